"""Intake: the Zalo webhook (signature, dedupe, raw receipt, hand-off; the typed events are
`anninh.zalo.events`) and the inbound pipeline that turns each event into conversation, follower,
case and bot effects."""

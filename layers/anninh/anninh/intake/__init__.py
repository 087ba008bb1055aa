"""Intake: the Zalo webhook (signature, typed events, dedupe, raw receipt, hand-off) and the inbound
pipeline that turns each event into conversation, follower, case and bot effects."""

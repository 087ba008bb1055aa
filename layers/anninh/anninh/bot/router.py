"""The citizen self-service bot: one turn in, the replies out.

`respond(turn)` is called by the inbound pipeline for text that is not a tip (tip openers, media and
`tra cứu <code>` are handled before the bot). It never sends: it returns outbox messages keyed
`bot:<event_key>:<i>`, whether it answered, whether it handed the conversation to a human, and the
intent. `turn.state` (persisted by the caller under the conversation state's `bot`) is updated in place
with the flow the citizen is in (CCCD lookup, queue number) so a bare reply like "ngày mai" works.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from anninh.bot import flows
from anninh.bot.messages import Reply, menu
from anninh.bot.phrases import Command, parse
from anninh.outbox import OutboundMessage


@dataclass
class BotTurn:
    oa_id: str
    user_id: str
    unit_id: str
    event_key: str
    text: str
    at: datetime
    state: dict[str, Any] = field(default_factory=dict)


@dataclass
class BotResult:
    messages: list[OutboundMessage]
    answered: bool
    handed_off: bool
    intent: str


def respond(turn: BotTurn, ports: flows.Ports | None = None) -> BotResult:
    ports = ports or flows.Ports()
    reply = Reply(turn.oa_id, turn.user_id, turn.event_key)
    first_contact = not turn.state.get("greeted")
    turn.state["greeted"] = True
    command = parse(turn.text, turn.state)
    ctx = flows.Context(turn.oa_id, turn.user_id, turn.unit_id, turn.event_key, turn.at, turn.state, ports)
    notice = flows.reorganization_notice(ctx)
    if notice:
        reply.text(notice)
    if command.name in {"menu", "greeting", "empty"}:
        turn.state.pop("flow", None)
        menu(reply, flows.greeting(ctx))
        return BotResult(reply.messages, True, False, "menu")
    if command.name not in {"cccd_lookup", "queue_day"}:
        turn.state.pop("flow", None)
    handler = flows.HANDLERS.get(command.name, flows.faq)
    outcome = handler(ctx, command, reply)
    if first_contact and outcome.intent == "faq":
        reply.text("Nhắn “menu” để xem các tiện ích khác của OA.")
    return BotResult(reply.messages, not outcome.handed_off, outcome.handed_off, outcome.intent)


__all__ = ["BotResult", "BotTurn", "Command", "respond"]

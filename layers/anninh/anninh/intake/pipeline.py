"""The inbound pipeline: one queued Zalo event -> conversation log, followers, tip cases, the bot,
statistics. Runs in the inbound function, per conversation in order (FIFO message groups).

Idempotent end to end: each write is conditional on something keyed by the event (message items by
Zalo's timestamp and msg_id, case activity by the event key, counters by the event key, outbox
messages by keys derived from the event key), so an event delivered twice has one effect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from anninh import conversations, followers, outbox
from anninh.cases.service import TipDesk, TipPorts, TipResult
from anninh.clock import from_millis, parse_iso
from anninh.conversations import ConversationState
from anninh.crypto import pseudonym
from anninh.intake.envelope import InboundEnvelope
from anninh.media.queue import send_media_jobs
from anninh.observability import logger, metrics
from anninh.outbox import OutboundMessage
from anninh.registry import OA, Registry
from anninh.registry.store import current_registry
from anninh.settings import Settings
from anninh.stats.counters import count
from anninh.zalo.events import (
    AnonymousMessageEvent,
    FollowEvent,
    InvalidEvent,
    OaMessageEvent,
    ReceiptEvent,
    SubmitInfoEvent,
    TagEvent,
    UserActionEvent,
    UserMessageEvent,
    WithdrawEvent,
    ZaloEvent,
)

BotFn = Callable[[Any], Any]  # anninh.bot.router.respond(BotTurn) -> BotResult
# Bot intents that are a procedure question: answered from the knowledge base ("faq", "procedure")
# or handed to an officer ("handoff"). `inquiries` and `bot_answered` count only these, so the
# answer rate is answered questions over questions.
INQUIRY_INTENTS = frozenset({"faq", "procedure", "handoff"})


@dataclass
class Ports:
    """What the pipeline talks to; defaults are the real AWS-backed implementations."""

    registry: Callable[[], Registry]
    enqueue: Callable[[list[OutboundMessage]], None]
    send_media: Callable[[list[dict[str, Any]]], None]
    count: Callable[..., bool]
    pseudonym: Callable[[str, str], str]
    bot: BotFn | None = None  # None: anninh.bot.router, imported when first needed
    settings: Settings | None = None
    sms: Callable[[str, str, dict[str, str]], None] | None = None  # None: the SNS on-call topic


@dataclass
class PlainTurn:
    """The fields of anninh.bot.router.BotTurn, for an injected bot (tests, tools)."""

    oa_id: str
    user_id: str
    unit_id: str
    event_key: str
    text: str
    at: datetime
    state: dict[str, Any]


@dataclass
class Outcome:
    """What the event did (for logs and tests)."""

    action: str
    counters: dict[str, int] = field(default_factory=dict)
    tip: TipResult | None = None
    bot_intent: str | None = None


def _message_dict(event: UserMessageEvent | OaMessageEvent | AnonymousMessageEvent) -> dict[str, Any]:
    return event.message.model_dump(mode="json", exclude_none=True)


class Pipeline:
    def __init__(self, ports: Ports) -> None:
        self.ports = ports

    @property
    def settings(self) -> Settings:
        if self.ports.settings is not None:
            return self.ports.settings
        from anninh.settings import get_settings

        return get_settings()

    def process(self, envelope: InboundEnvelope) -> Outcome:
        registry = self.ports.registry()
        if envelope.kind != "event":
            return self._kept_aside(envelope, registry)
        try:
            event = envelope.event()
        except InvalidEvent as exc:  # the webhook parsed it; a model change since then would land here
            logger.warning("event no longer parses; kept aside", extra={"errors": exc.errors})
            return self._kept_aside(envelope, registry)
        event = _capped(event)
        key = envelope.dedupe_key
        ref = event.conversation()
        oa = registry.oa(ref.oa_id) if ref.oa_id else None
        if oa is None and not isinstance(event, ReceiptEvent):
            logger.warning("event for an OA not in the registry", extra={"event_name": event.event_name})
            return Outcome("unknown_oa")
        return self._dispatch(event, oa, registry, key)

    def _dispatch(self, event: ZaloEvent, oa: OA | None, registry: Registry, key: str) -> Outcome:
        if isinstance(event, UserMessageEvent) and oa:
            return self._user_message(event, oa, registry, key)
        if isinstance(event, OaMessageEvent) and oa:
            conversations.service().record_outbound(
                oa.oa_id,
                event.recipient.id,
                event.at,
                event.message.msg_id or key,
                _message_dict(event),
                event.origin,
                officer=event.sender.admin_id,
            )
            return Outcome("echo_" + event.origin)
        if isinstance(event, FollowEvent) and oa:
            if event.event_name == "follow":
                followers.follow(oa.oa_id, event.follower.id, event.at, event.source)
                return self._counted(Outcome("follow", {"follows": 1}), key, oa, event)
            followers.unfollow(oa.oa_id, event.follower.id, event.at)
            return self._counted(Outcome("unfollow", {"unfollows": 1}), key, oa, event)
        if isinstance(event, SubmitInfoEvent) and oa:
            followers.submit_info(
                oa.oa_id, event.sender.id, event.info.model_dump(include=set(followers.PII_FIELDS)), event.at
            )
            return Outcome("submit_info")
        if isinstance(event, TagEvent) and oa:
            if event.event_name == "add_user_to_tag":
                followers.add_tag(oa.oa_id, event.tag.user_ids, event.tag.name)
            elif event.event_name == "remove_user_from_tag":
                followers.remove_tag(oa.oa_id, event.tag.user_ids, event.tag.name)
            else:
                followers.remove_tag_everywhere(oa.oa_id, event.tag.name)
            return Outcome(event.event_name)
        if isinstance(event, WithdrawEvent) and oa:
            followers.withdraw(oa.oa_id, event.user_id, event.at)
            logger.info("user_withdraw honoured: personal data erased", extra={"oa_id": oa.oa_id})
            return Outcome("withdraw")
        if isinstance(event, UserActionEvent) and oa:
            followers.touch_interaction(oa.oa_id, event.user_id, event.at)
            return Outcome(event.event_name)
        if isinstance(event, ReceiptEvent):
            return self._receipt(event, oa, registry)
        if isinstance(event, AnonymousMessageEvent) and oa:
            # No follower id: the message is logged under the anonymous conversation; Zalo gives no
            # way to answer it through the consultation API, so no case or bot reply is made.
            conversations.service().record_inbound(
                oa.oa_id,
                f"anon:{event.conversation_id}",
                event.at,
                event.message.msg_id or key,
                event.event_name.removeprefix("anonymous_send_"),
                _message_dict(event),
                key,
                text=event.message.text,
            )
            return self._counted(Outcome("anonymous", {"messages_in": 1}), key, oa, event)
        # OA-level and ZNS notifications: the raw receipt is their record.
        logger.info("notification recorded", extra={"event_name": event.event_name})
        return Outcome("recorded")

    def _receipt(self, event: ReceiptEvent, oa: OA | None, registry: Registry) -> Outcome:
        if event.is_zns:
            return Outcome("zns_receipt")
        ref = event.conversation()
        if oa is None and registry.oa(event.recipient.id):  # ids the other way round than assumed
            oa, ref = registry.oa(event.recipient.id), ref.model_copy(update={"user_id": event.sender.id})
        if oa is None or not ref.user_id:
            return Outcome("receipt_unknown_oa")
        if event.event_name.startswith("user_"):
            followers.touch_interaction(oa.oa_id, ref.user_id, event.at)
        return Outcome("receipt")

    def _counted(self, outcome: Outcome, key: str, oa: OA, event: ZaloEvent) -> Outcome:
        if outcome.counters:
            self.ports.count(key, oa.oa_id, oa.unit_id, event.at, **outcome.counters)
        return outcome

    def _kept_aside(self, envelope: InboundEnvelope, registry: Registry) -> Outcome:
        metrics.add_metric(name="EventsUnknown", unit="Count", value=1)
        try:
            data = envelope.data()
        except ValueError:
            data = {}
        oa_id = data.get("oa_id") or (data.get("recipient") or {}).get("id")
        oa = registry.oa(str(oa_id)) if oa_id else None
        if oa is not None:
            try:
                at = from_millis(str(data.get("timestamp")))
            except (ValueError, OverflowError, OSError):
                at = parse_iso(envelope.received_at)
            self.ports.count(envelope.dedupe_key, oa.oa_id, oa.unit_id, at, events_unknown=1)
        logger.info("event kept aside", extra={"event_name": envelope.event_name, "kind": envelope.kind})
        return Outcome("kept_aside", {"events_unknown": 1})

    # --- citizen messages -------------------------------------------------------------------

    def _user_message(self, event: UserMessageEvent, oa: OA, registry: Registry, key: str) -> Outcome:
        user_id = event.sender.id
        conversations.service().record_inbound(
            oa.oa_id,
            user_id,
            event.at,
            event.message.msg_id or key,
            event.kind,
            _message_dict(event),
            key,
            text=event.message.text,
        )
        followers.touch_interaction(oa.oa_id, user_id, event.at)
        state = conversations.service().ensure_state(oa.oa_id, user_id, oa.unit_id, event.at)
        counters = {"messages_in": 1}
        desk = TipDesk(
            registry,
            self.settings,
            TipPorts(self.ports.enqueue, self.ports.send_media, self.ports.pseudonym, self.ports.sms),
        )
        tip = desk.handle(event, oa, state, key)
        if tip.handled:
            tip_counters = {"tips": 1} if tip.opened else {}
            if tip.urgent:
                tip_counters["tips_urgent"] = 1
            if tip_counters and tip.unit_id and tip.unit_id != oa.unit_id:
                # A district-OA tip routed to a ward counts for the ward (its own idempotency key).
                self.ports.count(f"{key}#case", oa.oa_id, tip.unit_id, event.at, **tip_counters)
            else:
                counters.update(tip_counters)
            outcome = Outcome(
                "tip"
                if tip.case_id
                else ("lookup" if tip.lookup else ("tip_choice" if tip.asked else "tip_refused")),
                counters,
                tip=tip,
            )
        elif event.kind == "text" and (event.message.text or "").strip():
            outcome = self._bot(event, oa, state, key, counters)
        else:
            outcome = Outcome("logged", counters)
        return self._counted(outcome, key, oa, event)

    def _bot(
        self, event: UserMessageEvent, oa: OA, state: ConversationState, key: str, counters: dict[str, int]
    ) -> Outcome:
        respond: BotFn
        make_turn: Callable[..., Any]
        if self.ports.bot is not None:
            respond, make_turn = self.ports.bot, PlainTurn
        else:
            from anninh.bot import router  # the bot area's module, imported only when needed

            respond, make_turn = cast(BotFn, router.respond), router.BotTurn
        turn = make_turn(
            oa_id=oa.oa_id,
            user_id=event.sender.id,
            unit_id=oa.unit_id,
            event_key=key,
            text=event.message.text or "",
            at=event.at,
            state=dict(state.bot),
        )
        result = respond(turn)
        self.ports.enqueue(list(result.messages))
        new_state = getattr(result, "state", None)
        if new_state is None:
            new_state = turn.state
        if new_state != state.bot:
            conversations.service().save_bot_state(oa.oa_id, event.sender.id, dict(new_state))
        if result.intent in INQUIRY_INTENTS:  # a procedure question (menus and lookups are not)
            counters["inquiries"] = 1
            if result.answered:
                counters["bot_answered"] = 1
        if result.handed_off:
            counters["handed_off"] = 1
            conversations.service().set_handoff(oa.oa_id, event.sender.id, oa.unit_id, event.at)
        return Outcome("bot", counters, bot_intent=result.intent)


def default_pipeline(bot: BotFn | None = None) -> Pipeline:
    return Pipeline(
        Ports(
            registry=current_registry,
            enqueue=outbox.enqueue,
            send_media=send_media_jobs,
            count=count,
            pseudonym=pseudonym,
            bot=bot,
        )
    )


def _capped(event: ZaloEvent) -> ZaloEvent:
    """A text beyond what Zalo lets a citizen send (2,000 characters) is cut to what we store, so a
    hostile signed body cannot make the bot, the classifiers and the case store work for minutes."""
    message = getattr(event, "message", None)
    text = getattr(message, "text", None)
    if message is None or not isinstance(text, str) or len(text) <= conversations.MAX_STORED_TEXT:
        return event
    capped = message.model_copy(update={"text": text[: conversations.MAX_STORED_TEXT]})
    return event.model_copy(update={"message": capped})

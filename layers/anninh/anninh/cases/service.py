"""The tip desk: turns a citizen's messages into cases (open, group, code, urgency, routing, spam).

Called by the inbound pipeline for each user_send_* event after it is logged. Idempotent: the case id
is derived from the opening event's key, and every follow-up is written together with its own
activity item (conditional), so a redelivered event neither opens a second case nor appends twice.
Replies go through the outbox with keys derived from the event key (sent at most once).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from anninh import alerts, conversations, kb
from anninh.bot.messages import phone_button, query_button, with_buttons
from anninh.bot.phrases import parse
from anninh.cases import duplicates, messages, rules, store
from anninh.cases.codes import format_code, yymm
from anninh.cases.emergency import NUMBERS, Emergency, classify
from anninh.cases.model import STATUS_LABELS_VI, Case, Location
from anninh.cases.routing import Route, routable, route
from anninh.cases.store import DynamoCaseStore, default_store
from anninh.cases.urgent import urgent_terms
from anninh.clock import iso
from anninh.conversations import ConversationState
from anninh.observability import logger, metrics
from anninh.outbox import OutboundMessage, text
from anninh.registry import OA, Registry
from anninh.settings import Settings
from anninh.zalo.events import Attachment, UserMessageEvent

_CASE_NS = uuid.UUID("6f1c3f4e-5a43-4d0b-9a55-3c1e0f2b7a10")
OPEN_STATUSES = frozenset({"new", "in_review", "verified", "forwarded"})
KIND_LABELS_VI = {
    "image": "Hình ảnh",
    "gif": "Ảnh động",
    "video": "Video",
    "file": "Tệp đính kèm",
    "location": "Vị trí",
    "audio": "Ghi âm",
}


@dataclass
class TipPorts:
    enqueue: Callable[[list[OutboundMessage]], None]
    send_media: Callable[[list[dict[str, Any]]], None]
    pseudonym: Callable[[str, str], str]
    # SMS to an on-call officer (phone, text, attributes); None: through the SNS on-call topic.
    sms: Callable[[str, str, dict[str, str]], None] | None = None


@dataclass
class TipResult:
    handled: bool  # False: not a tip matter, the bot takes it
    case_id: str | None = None
    code: str | None = None
    unit_id: str | None = None  # the unit the case is with
    opened: bool = False
    urgent: bool = False  # flagged urgent by this event
    emergency: str | None = None  # the emergency class found in this event, if any
    rate_limited: bool = False
    blocked: bool = False
    lookup: bool = False
    asked: bool = False  # the citizen has several open tips and was asked which one this is about
    media: list[dict[str, Any]] = field(default_factory=list)


def case_id_for(event_key: str) -> str:
    return uuid.uuid5(_CASE_NS, event_key).hex


def _location(event: UserMessageEvent) -> tuple[float, float] | None:
    for a in event.message.attachments:
        c = a.payload.coordinates
        if a.type == "location" and c is not None:
            try:
                lat, lon = float(c.latitude), float(c.longitude)
            except ValueError:
                return None
            if -90 <= lat <= 90 and -180 <= lon <= 180:
                return lat, lon
    return None


@dataclass(frozen=True)
class Urgency:
    """Why a message is urgent: the reviewed urgent words and/or an emergency class."""

    terms: list[str]
    emergency: Emergency | None

    def __bool__(self) -> bool:
        return bool(self.terms or self.emergency)

    @property
    def cls(self) -> str:
        if self.emergency:
            return self.emergency.cls
        # Urgent words without a present emergency ("báo tin hôm qua cháy kho"): fire words lead to 114.
        return "fire" if self.terms and all(t in ("cháy", "nổ") for t in self.terms) else "violence"

    @property
    def number(self) -> str:
        return NUMBERS[self.cls]

    @property
    def all_terms(self) -> list[str]:
        extra = [t for t in (self.emergency.terms if self.emergency else ()) if t not in self.terms]
        return self.terms + extra


def urgency(texts: list[str]) -> Urgency:
    joined = " ".join(texts)
    return Urgency(urgent_terms(joined), classify(joined))


def _extra_text(a: Attachment) -> str | None:
    """Links and business cards join the case as text (their URLs are never fetched)."""
    if a.type in ("link", "business_card"):
        parts = [p for p in (a.payload.description, a.payload.url) if p]
        return " ".join(parts) or None
    return None


class TipDesk:
    def __init__(
        self, registry: Registry, settings: Settings, ports: TipPorts, cases: DynamoCaseStore | None = None
    ) -> None:
        self.registry = registry
        self.settings = settings
        self.ports = ports
        self.store = cases or default_store()

    @property
    def window(self) -> timedelta:
        return timedelta(minutes=self.settings.case_window_minutes)

    def handle(self, event: UserMessageEvent, oa: OA, state: ConversationState, event_key: str) -> TipResult:
        kind = event.kind
        body = (event.message.text or "").strip()
        now = event.at
        if kind == "text":
            code = rules.lookup_code(body)
            if code is not None:
                return self._lookup(event, oa, code, event_key)
            if rules.is_bot_command(body):
                return TipResult(handled=False)
        if kind == "text":
            addressed = rules.prefixed_code(body)
            if addressed is not None:
                target = self._own_case_by_code(addressed[0], event, oa)
                if target is not None:
                    if self.store.is_blocked(oa.oa_id, event.sender.id):
                        return TipResult(handled=True, blocked=True)
                    return self._append(event, oa, target, event_key, texts=[addressed[1]], confirm=True)
        open_case = self._open_case(state, now)
        threads = self._thread_cases(state, now, open_case)
        # An emergency opens an urgent case on any text, without "báo tin" (someone is in danger now).
        emergency = classify(body) if kind == "text" and open_case is None and not threads else None
        opener = kind == "text" and rules.tip_opener(body) is not None
        opens = opener or kind in rules.OPENING_KINDS or emergency is not None
        if threads and open_case is None and (opener or (kind in rules.OPENING_KINDS and kind != "location")):
            threads = []  # a new tip while talking with an officer about another one: a new case
        candidates = ([open_case] if open_case else []) + threads
        if not candidates and not opens:
            return TipResult(handled=False)
        if candidates and kind not in rules.FOLLOWUP_KINDS:
            return TipResult(handled=False)
        if self.store.is_blocked(oa.oa_id, event.sender.id):
            logger.info("blocked citizen: message logged, no case", extra={"oa_id": oa.oa_id})
            return TipResult(handled=True, blocked=True)
        if not candidates:
            return self._open(event, oa, event_key)
        if len(candidates) > 1 and kind == "text" and body:
            return self._ask_which(event, oa, candidates, event_key)
        target = candidates[0]  # the tip being written now, else the latest officer thread
        if target is open_case and kind == "text" and self._bot_question(body):
            # A procedure question while writing a tip: the bot answers it, and the case keeps it.
            result = self._append(event, oa, target, event_key)
            result.handled = False
            return result
        return self._append(event, oa, target, event_key)

    def _own_case_by_code(self, code: str, event: UserMessageEvent, oa: OA) -> Case | None:
        case = self.store.find_by_code(code)
        if case is None or case.user_id != event.sender.id or case.oa_id != oa.oa_id:
            return None
        if case.merged_into:
            case = self.store.get_case(case.merged_into) or case
        return case if case.status != "spam" else None

    def _thread_cases(self, state: ConversationState, now: datetime, open_case: Case | None) -> list[Case]:
        """Cases an officer recently wrote to the citizen about (newest first), besides the open one."""
        out: list[Case] = []
        for case_id in state.active_threads(now)[:5]:
            case = self.store.get_case(case_id)
            if case is not None and case.merged_into:
                case = self.store.get_case(case.merged_into)
            if case is None or case.status == "spam" or case.user_id != state.user_id:
                continue
            if (open_case and case.case_id == open_case.case_id) or any(
                c.case_id == case.case_id for c in out
            ):
                continue
            out.append(case)
        return out

    @staticmethod
    def _bot_question(body: str) -> bool:
        """A question the bot answers (procedures, queue numbers, CCCD, notices, hotlines)."""

        command = parse(body, {})
        if command.name in {
            "procedure",
            "queue",
            "queue_cancel",
            "queue_mine",
            "cccd_help",
            "cccd_lookup",
            "notices",
            "hotline",
            "news",
        }:
            return True
        if command.name != "faq" or classify(body) is not None:
            return False
        try:
            _, matcher = kb.current()
            return matcher.best(body) is not None
        except Exception:  # no knowledge base reachable: keep the message with the case
            logger.exception("knowledge base unavailable for a follow-up")
            return False

    def _ask_which(
        self, event: UserMessageEvent, oa: OA, candidates: list[Case], event_key: str
    ) -> TipResult:

        body = (event.message.text or "").strip()
        codes = [c.code for c in candidates[:5]]
        question = messages.which_tip(codes)
        buttons = [query_button(code, f"{code}: {body[:800]}", hidden=True) for code in codes]
        self.ports.enqueue(
            [
                OutboundMessage(
                    oa_id=oa.oa_id,
                    user_id=event.sender.id,
                    message=with_buttons(question, buttons),
                    key=f"case:{event_key}:which",
                    origin="system",
                )
            ]
        )
        return TipResult(handled=True, asked=True)

    # --- helpers ---------------------------------------------------------------------------

    def _open_case(self, state: ConversationState, now: datetime) -> Case | None:
        if not state.case_window_open(now) or not state.open_case_id:
            return None
        case = self.store.get_case(state.open_case_id)
        return case if case is not None and case.status in OPEN_STATUSES else None

    def _reply(
        self, event: UserMessageEvent, oa: OA, body: str, key: str, case_id: str | None = None
    ) -> OutboundMessage:
        return text(oa.oa_id, event.sender.id, body, key=key, origin="system", case_id=case_id)

    def _media_items(self, case_id: str, event: UserMessageEvent, event_key: str) -> list[dict[str, Any]]:
        seq = store.media_seq(event.at, event_key)
        items = []
        for n, a in enumerate(event.message.attachments):
            if a.type not in rules.MEDIA_KINDS or not a.payload.url:
                continue
            media_id = f"{seq}-{n}"
            items.append(
                {
                    "PK": f"CASE#{case_id}",
                    "SK": f"MEDIA#{seq}#{n}",
                    "type": "media",
                    "case_id": case_id,
                    "media_id": media_id,
                    "kind": a.type,
                    "url": a.payload.url,
                    "thumbnail": a.payload.thumbnail,
                    "name": a.payload.name,
                    "declared_size": a.payload.size,
                    "checksum_md5": a.payload.checksum,
                    "status": "pending",
                    "attempts": 0,
                    "created_at": iso(event.at),
                    "event_key": event_key,
                }
            )
        return items

    def _activity(
        self, case_id: str, event: UserMessageEvent, event_key: str, media: list[dict[str, Any]]
    ) -> dict[str, Any]:
        return {
            "PK": f"CASE#{case_id}",
            "SK": store.activity_sk(event.at, event_key),
            "type": "case_event",
            "kind": event.kind,
            "msg_id": event.message.msg_id,
            "text": event.message.text,
            "media_ids": [m["media_id"] for m in media],
            "at": iso(event.at),
            "event_key": event_key,
        }

    def _texts(self, event: UserMessageEvent) -> list[str]:
        """What the message says; a bare "báo tin" (e.g. the menu button) says nothing yet."""
        body = (event.message.text or "").strip()
        found = [body] if body and rules.tip_body(body) else []
        found += [t for a in event.message.attachments if (t := _extra_text(a))]
        return found

    def _queue_media(self, media: list[dict[str, Any]]) -> None:
        if media:
            self.ports.send_media(
                [
                    {
                        "case_id": m["case_id"],
                        "sk": m["SK"],
                        "media_id": m["media_id"],
                        "kind": m["kind"],
                        "url": m["url"],
                    }
                    for m in media
                ]
            )

    def _alert(self, case: Case, urgent: Urgency, at: datetime) -> alerts.Notified:
        """Record the unit's alert and SMS the on-call officers at once; who was reached."""
        unit = self.registry.unit(case.unit_id)
        unit_name = unit.name if unit else case.unit_id
        terms = urgent.all_terms
        created = alerts.raise_alert(
            case.case_id,
            code=case.code,
            unit_id=case.unit_id,
            oa_id=case.oa_id,
            terms=terms,
            text=messages.alert_text(case.code, unit_name, terms),
            at=at,
            cls=urgent.cls,
        )
        if not created:  # redelivered event: the officers were told the first time
            existing = alerts.get(case.case_id) or {}
            units = list(existing.get("notified_units") or [""])
            return alerts.Notified(str(units[0]), list(existing.get("notified_phones") or []))
        metrics.add_metric(name="UrgentTips", unit="Count", value=1)
        logger.warning(
            "urgent tip",
            extra={"case_id": case.case_id, "unit_id": case.unit_id, "terms": terms, "class": urgent.cls},
        )
        notified = alerts.notify(
            self.registry,
            case.unit_id,
            alerts.sms_text(case.code, unit_name, urgent.cls),
            at,
            alert_id=case.case_id,
            kind="urgent",
            publish=self.ports.sms,
        )
        alerts.mark_notified(case.case_id, notified, at)
        return notified

    def _guidance(  # noqa: PLR0917 - one reply's ingredients
        self,
        event: UserMessageEvent,
        oa: OA,
        urgent: Urgency,
        case: Case | None,
        notified: alerts.Notified | None,
        key: str,
    ) -> OutboundMessage:

        where = None
        if case is not None:
            # Only what is true: the unit whose on-call officers got the SMS, else the case's unit.
            reached = notified.unit_id if notified and notified.phones else case.unit_id
            unit = self.registry.unit(reached)
            where = messages.emergency_where(
                unit.name if unit else oa.name, len(notified.phones) if notified else 0
            )
        body = messages.emergency_guidance(urgent.number, where)
        message = with_buttons(body, [phone_button(f"Gọi {urgent.number}", urgent.number)])
        return OutboundMessage(
            oa_id=oa.oa_id,
            user_id=event.sender.id,
            message=message,
            key=key,
            origin="system",
            case_id=case.case_id if case else None,
        )

    # --- the three things a tip message can be ---------------------------------------------

    def _lookup(self, event: UserMessageEvent, oa: OA, code: str, event_key: str) -> TipResult:
        case = self.store.find_by_code(code) if code else None
        # Only the citizen who sent the tip, on the OA they sent it to, learns anything about it.
        if case is not None and case.user_id == event.sender.id and case.oa_id == oa.oa_id:
            body = messages.lookup_found(case.code, STATUS_LABELS_VI.get(case.status, case.status))
        else:
            body = messages.LOOKUP_NOT_FOUND
        self.ports.enqueue([self._reply(event, oa, body, f"lookup:{event_key}")])
        return TipResult(handled=True, lookup=True)

    def _open(self, event: UserMessageEvent, oa: OA, event_key: str) -> TipResult:
        user_id, now = event.sender.id, event.at
        case_id = case_id_for(event_key)
        texts = self._texts(event)
        urgent = urgency(texts)
        media = self._media_items(case_id, event, event_key)
        case = self.store.get_case(case_id)  # exists when this event was processed before (redelivery)
        if case is None:
            if not self.store.take_case_slot(oa.oa_id, user_id, now, self.settings.case_rate_limit_per_hour):
                refused: list[OutboundMessage] = []
                if urgent:  # the number first; nothing was passed on, so nothing is claimed
                    refused.append(self._guidance(event, oa, urgent, None, None, f"case:{event_key}:urgent"))
                refused.append(self._reply(event, oa, messages.RATE_LIMITED, f"case:{event_key}:limited"))
                self.ports.enqueue(refused)
                metrics.add_metric(name="TipsRateLimited", unit="Count", value=1)
                return TipResult(handled=True, rate_limited=True)
            case = self._new_case(event, oa, case_id, texts, urgent)
            similar = duplicates.suggestions(case, self.store.list_unit_cases(case.unit_id, limit=50), now)
            if similar:
                case.extra["possible_duplicates"] = similar
            try:
                self.store.create_case(case, self._activity(case_id, event, event_key, media), media)
            except store.DuplicateActivity:
                case = self.store.get_case(case_id) or case
        conversations.service().set_open_case(oa.oa_id, user_id, case_id, now + self.window)
        replies: list[OutboundMessage] = []
        if urgent:
            notified = self._alert(case, urgent, now)
            replies.append(self._guidance(event, oa, urgent, case, notified, f"case:{event_key}:urgent"))
        unit = self.registry.unit(case.unit_id)
        replies.append(
            self._reply(
                event,
                oa,
                messages.acknowledgement(
                    unit.name if unit else oa.name,
                    case.code,
                    self.settings.case_window_minutes,
                    empty=not texts and not media and case.location is None,
                ),
                f"case:{event_key}:ack",
                case_id,
            )
        )
        self.ports.enqueue(replies)
        self._queue_media(media)
        return TipResult(
            handled=True,
            case_id=case_id,
            code=case.code,
            unit_id=case.unit_id,
            opened=True,
            urgent=bool(urgent),
            emergency=urgent.emergency.cls if urgent.emergency else None,
            media=media,
        )

    def _new_case(
        self,
        event: UserMessageEvent,
        oa: OA,
        case_id: str,
        texts: list[str],
        urgent: Urgency,
    ) -> Case:
        now = event.at
        location = _location(event)
        chosen: Route = route(self.registry, oa.unit_id, location, texts, self.settings.case_route_max_km)
        unit = self.registry.unit(chosen.unit_id)
        prefix = unit.case_prefix if unit else oa.unit_id[:4].upper()
        month = yymm(now)
        code = format_code(prefix, month, self.store.next_sequence(prefix, month))
        first = rules.tip_body(texts[0]) if texts else ""
        label = KIND_LABELS_VI.get(event.kind, "Chưa có nội dung")
        summary = first[:500] if first else f"[{label}]"
        return Case(
            case_id=case_id,
            code=code,
            oa_id=oa.oa_id,
            unit_id=chosen.unit_id,
            origin_unit_id=oa.unit_id,
            user_id=event.sender.id,
            pseudonym=self.ports.pseudonym(oa.unit_id, event.sender.id),
            urgent=bool(urgent),
            urgent_terms=urgent.all_terms,
            emergency_class=urgent.cls if urgent else None,
            summary=summary,
            texts=texts,
            location=Location(latitude=location[0], longitude=location[1]) if location else None,
            address=chosen.detail if chosen.routing == "address" else None,
            media_count=sum(
                1 for a in event.message.attachments if a.type in rules.MEDIA_KINDS and a.payload.url
            ),
            created_at=iso(now),
            updated_at=iso(now),
            last_activity_at=iso(now),
            routing=chosen.routing,
            extra={"opened_by": event.event_name, "route_detail": chosen.detail},
        )

    def _append(  # noqa: PLR0917 - a follow-up and how it was addressed
        self,
        event: UserMessageEvent,
        oa: OA,
        case: Case,
        event_key: str,
        texts: list[str] | None = None,
        confirm: bool = False,
    ) -> TipResult:
        now = event.at
        texts = self._texts(event) if texts is None else [t for t in texts if t]
        location = _location(event)
        media = self._media_items(case.case_id, event, event_key)
        summary = None
        if texts and case.summary.startswith("[") and not case.texts:
            summary = rules.tip_body(texts[0])[:500]
        try:
            self.store.add_activity(
                case.case_id,
                self._activity(case.case_id, event, event_key, media),
                media,
                now,
                text="\n".join(texts) or None,
                location={"latitude": location[0], "longitude": location[1]} if location else None,
                summary=summary,
            )
        except store.DuplicateActivity:
            logger.info("follow-up already on the case", extra={"case_id": case.case_id})
        conversations.service().extend_case_window(oa.oa_id, event.sender.id, case.case_id, now + self.window)
        if case.routing == "oa" and case.status == "new" and routable(self.registry, case.origin_unit_id):
            chosen = route(
                self.registry, case.origin_unit_id, location, texts, self.settings.case_route_max_km
            )
            if chosen.routing != "oa":
                try:
                    self.store.reroute(case, chosen.unit_id, chosen.routing, now)
                    case = case.model_copy(update={"unit_id": chosen.unit_id, "routing": chosen.routing})
                except ClientError:  # moved meanwhile by an officer: leave it where they put it
                    logger.info("case not rerouted", extra={"case_id": case.case_id})
        flagged = False
        urgent = urgency(texts)
        if (
            urgent
            and not case.urgent
            and self.store.flag_urgent(case.case_id, urgent.all_terms, now, urgent.cls)
        ):
            flagged = True
            notified = self._alert(case, urgent, now)
            self.ports.enqueue(
                [self._guidance(event, oa, urgent, case, notified, f"case:{event_key}:urgent")]
            )
        if confirm:
            self.ports.enqueue(
                [
                    self._reply(
                        event, oa, messages.added_to(case.code), f"case:{event_key}:added", case.case_id
                    )
                ]
            )
        self._queue_media(media)
        return TipResult(
            handled=True,
            case_id=case.case_id,
            code=case.code,
            unit_id=case.unit_id,
            urgent=flagged,
            emergency=urgent.emergency.cls if flagged and urgent.emergency else None,
            media=media,
        )

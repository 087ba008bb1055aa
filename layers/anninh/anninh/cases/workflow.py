"""The officer workflow of a tip case: who may see and change it, and what follows a change.

Which status moves are allowed, and what a change writes, is decided in `anninh.cases.plan` without
I/O; this module reads the case through the case store, checks the caller, stores the plan with one
conditional write and carries out the side effects.

Visibility: a case belongs to `unit_id`; officers of that unit and of the units above it see and change
it; units holding an info-only copy (`info_units`) may read it and nothing else. Anyone else gets the
same CaseNotFound as for a case that does not exist, and the attempt is written to the audit trail.

Writes are conditional on the case's `version` (optimistic concurrency: StaleCase -> 409) and append
a history event in the same transaction. After a write, side effects follow: the citizen is told
(through the outbox) when the case goes into review ("received, being verified") and when it is
resolved, each at most once per case (stable outbox keys); figures are counted idempotently:
`tips_valuable` once per case when it is first marked valuable (unmarking does not subtract and
marking again does not add: the figure answers "how many tips were judged valuable"), outcomes with
`record_outcome` (a changed outcome moves the count), first-response and resolution times once each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from anninh import audit, conversations, crypto, followers, outbox
from anninh.cases.errors import CaseNotFound, InvalidChange, NotPermitted, StaleCase, TransitionNotAllowed
from anninh.cases.model import Case
from anninh.cases.plan import (
    CLOSED,
    TRANSITIONS,
    CaseChanges,
    ChangePlan,
    can_reopen,
    case_write,
    check_status_change,
    check_transition,
    first_response_by,
    history_event,
    item_version,
    note_item,
    plan_changes,
    plan_update,
)
from anninh.cases.queries import case_from_item, plain
from anninh.cases.store import CaseStore, default_store
from anninh.clock import iso, parse_iso, utcnow
from anninh.conversations import ConversationService
from anninh.followers import Followers, info_context
from anninh.observability import logger
from anninh.principal import Principal
from anninh.registry import Registry
from anninh.settings import get_settings
from anninh.stats import counters

__all__ = [  # the plan's names, re-exported for the API and the tests
    "CLOSED",
    "TRANSITIONS",
    "CaseChanges",
    "CaseNotFound",
    "ChangePlan",
    "InvalidChange",
    "NotPermitted",
    "StaleCase",
    "TransitionNotAllowed",
    "can_reopen",
    "check_status_change",
    "check_transition",
    "first_response_by",
    "plan_changes",
]

STATUS_COUNTERS = {
    "resolved": "tips_resolved",
    "rejected": "tips_rejected",
    "spam": "tips_spam",
    "forwarded": "tips_forwarded",
}

NOTICE_IN_REVIEW = (
    "Tin báo mã {code} của anh/chị đã được Công an tiếp nhận và đang được xác minh. "
    "Cảm ơn anh/chị đã cung cấp thông tin."
)
NOTICE_RESOLVED = (
    "Tin báo mã {code} của anh/chị đã được Công an xử lý xong. Cảm ơn anh/chị đã phối hợp, "
    "góp phần giữ gìn an ninh trật tự."
)
NOTICE_REJECTED = (
    "Tin báo mã {code} của anh/chị đã được Công an xem xét và khép lại, không cần xử lý thêm. "
    "Cảm ơn anh/chị đã quan tâm, phối hợp. Nếu có thông tin mới, anh/chị vui lòng gửi tin báo mới."
)
NOTICE_MERGED = (
    "Tin báo mã {code} của anh/chị phản ánh cùng sự việc với tin báo {into_code} nên đã được gộp vào "
    "tin báo {into_code} để xử lý chung. Để xem tình trạng xử lý, anh/chị nhắn: tra cứu {into_code}"
)
CITIZEN_NOTICES = {"in_review": NOTICE_IN_REVIEW, "resolved": NOTICE_RESOLVED}
# Told at most once per case, ever (a marker item in the case's partition), even if reopened.
ONCE_NOTICES = {"rejected": NOTICE_REJECTED}


@dataclass
class Ports:
    """What the workflow talks to; tests pass fakes (tests/fakes/cases.py), production the defaults."""

    registry: Registry
    store: CaseStore = field(default_factory=default_store)
    enqueue: Callable[[list[outbox.OutboundMessage]], None] = outbox.enqueue
    count: Callable[..., bool] = counters.count
    clock: Callable[[], datetime] = utcnow
    pseudonym: Callable[[str, str], str] = crypto.pseudonym
    decrypt: Callable[..., Any] = crypto.decrypt_text  # (value, kms, context)
    audit: Callable[..., Any] = field(default_factory=lambda: audit.trail().record)
    record_duration: Callable[..., Any] = counters.record_duration
    record_outcome: Callable[..., Any] = counters.record_outcome
    # (oa_id, user_id, case_id, until): the citizen's answers go to the case for a while
    officer_thread: Callable[[str, str, str, datetime], None] = field(
        default_factory=lambda: conversations.service().set_officer_thread
    )
    # the citizen's conversation a case shows, and the follower record a commander's reveal opens
    conversations: ConversationService = field(default_factory=conversations.service)
    followers: Followers = field(default_factory=followers.service)


@dataclass
class Loaded:
    item: dict[str, Any]
    case: Case
    access: str  # "full" or "info"

    @property
    def version(self) -> int:
        return item_version(self.item)


# ------------------------------------------------------------------------------ access


def _audit(p: Principal, ports: Ports, action: str, case_id: str, **kw: Any) -> None:
    ports.audit(
        p.username,
        action,
        "case",
        case_id,
        actor_unit=p.unit_id,
        request_id=p.request_id,
        at=ports.clock(),
        **kw,
    )


def load_for(p: Principal, case_id: str, ports: Ports, action: str, write: bool = False) -> Loaded:
    """The case if the caller may see it (and change it when `write`); audits a refusal."""
    item = ports.store.case_item(case_id)
    if item is not None:
        case = case_from_item(item)
        if p.can_see_unit(case.unit_id):
            return Loaded(item, case, "full")
        if set(p.visible_units) & set(case.info_units):
            if write:
                _audit(p, ports, action, case_id, outcome="denied", reason="info-only copy")
                raise NotPermitted("info-only copy")
            return Loaded(item, case, "info")
    if item is not None or (case_id and len(case_id) <= 200):
        _audit(
            p,
            ports,
            action,
            case_id,
            outcome="denied",
            reason="not visible" if item is not None else "no such case",
        )
    raise CaseNotFound(case_id)


# ------------------------------------------------------------------------------ writing


def _write(ports: Ports, loaded: Loaded, sets: dict[str, Any], *, puts: list[dict[str, Any]]) -> int:
    """One conditional write of the case read as `loaded` (StaleCase if it changed); its new version."""
    change = case_write(loaded.case.case_id, loaded.item, sets, puts=puts)
    ports.store.write(change)
    return change.new_version


def _notice(case: Case, status: str, ports: Ports) -> None:
    template = CITIZEN_NOTICES.get(status)
    if template is None:
        return
    ports.enqueue(
        [
            outbox.text(
                case.oa_id,
                case.user_id,
                template.format(code=case.code),
                key=f"notice:{case.case_id}:{status}",
                origin="system",
                case_id=case.case_id,
            )
        ]
    )


def notice_once(case: Case, kind: str, text: str, ports: Ports) -> bool:
    """Tell the citizen something about their tip once per case (False if they were told already)."""
    if not ports.store.mark_notice(case.case_id, kind, iso(ports.clock())):
        return False
    ports.enqueue(
        [
            outbox.text(
                case.oa_id,
                case.user_id,
                text,
                key=f"notice:{case.case_id}:{kind}",
                origin="system",
                case_id=case.case_id,
            )
        ]
    )
    return True


def _seconds_between(start: str, end: datetime) -> float:
    try:
        return max(0.0, (end - parse_iso(start)).total_seconds())
    except (ValueError, TypeError):
        return 0.0


def _record_duration(ports: Ports, case: Case, metric: str, now: datetime) -> None:
    try:
        ports.record_duration(
            case.case_id,
            case.oa_id,
            case.unit_id,
            at=now,
            metric=metric,
            seconds=_seconds_between(case.created_at, now),
        )
    except Exception:  # figures must never undo an officer's action
        logger.exception("duration not recorded", extra={"case_id": case.case_id, "metric": metric})


def _count(ports: Ports, key: str, case: Case, now: datetime, **increments: int) -> None:
    increments = {k: v for k, v in increments.items() if k in counters.COUNTERS}
    if not increments:
        return
    try:
        ports.count(key, case.oa_id, case.unit_id, now, **increments)
    except Exception:
        logger.exception("counter not updated", extra={"case_id": case.case_id, "key": key})


def _count_move(ports: Ports, old: Case, new: Case, now: datetime) -> None:
    """Credit a tip to the unit that handles it: the unit it leaves counts one out, the unit that takes
    it one in (both on the day of the move, so rolled-up days are never rewritten). A unit's handled
    tips are `tips + tips_moved_in - tips_moved_out`; its received tips stay `tips`."""
    key = f"move:{new.case_id}:{iso(now)}"
    try:
        ports.count(f"{key}:out", old.oa_id, old.unit_id, now, tips_moved_out=1)
        ports.count(f"{key}:in", new.oa_id, new.unit_id, now, tips_moved_in=1)
    except Exception:
        logger.exception("move not counted", extra={"case_id": new.case_id})


def apply_changes(
    p: Principal,
    case_id: str,
    changes: CaseChanges,
    ports: Ports,
    *,
    expected_version: int | None = None,
    action: str = "case.update",
) -> Case:
    """PATCH semantics: status, valuable, unit, assignee, outcome, note; one history entry each.

    Reads and checks what the change names (units, the assignee), then `plan_changes` decides
    everything else without I/O, and one conditional write stores the plan."""
    loaded = load_for(p, case_id, ports, action, write=True)
    if not p.has_role("officer", "commander"):
        _audit(p, ports, action, case_id, outcome="denied", reason="role")
        raise NotPermitted("role")
    case = loaded.case
    if expected_version is not None and expected_version != loaded.version:
        raise StaleCase(case_id)
    now = ports.clock()
    plan = plan_update(case, loaded.item, changes, p, registry=ports.registry, at=iso(now))
    if not plan.writes:
        return case  # nothing changed: no write, no version bump
    change = plan.write()
    ports.store.write(change)
    _audit(
        p,
        ports,
        action,
        case_id,
        before=plain(plan.before) or None,
        after={**plain(plan.after), "version": change.new_version},
    )
    updated = case_from_item({**loaded.item, **plan.sets, **{r: None for r in plan.removes}})
    _after_effects(ports, case, updated, now, responded=plan.responded, status_changed=plan.status_changed)
    return updated


def _after_effects(
    ports: Ports, old: Case, new: Case, now: datetime, *, responded: bool, status_changed: bool
) -> None:
    if responded and not old.first_response_at:
        _record_duration(ports, new, "first_response", now)
    if new.unit_id != old.unit_id:
        _count_move(ports, old, new, now)
    if status_changed:
        if new.status in CITIZEN_NOTICES:
            _notice(new, new.status, ports)
        if new.status in ONCE_NOTICES:
            notice_once(new, new.status, ONCE_NOTICES[new.status].format(code=new.code), ports)
        counter = STATUS_COUNTERS.get(new.status)
        if counter:
            _count(ports, f"status:{new.status}:{new.case_id}", new, now, **{counter: 1})
        if new.status == "resolved":
            _record_duration(ports, new, "resolution", now)
    if new.valuable and not old.valuable:
        _count(ports, f"valuable:{new.case_id}", new, now, tips_valuable=1)
    if new.outcome and new.outcome != old.outcome:
        try:
            ports.record_outcome(
                f"outcome:{new.case_id}:{new.outcome}:{iso(now)}",
                new.oa_id,
                new.unit_id,
                new.outcome,
                previous=old.outcome,
                at=now,
            )
        except Exception:
            logger.exception("outcome not counted", extra={"case_id": new.case_id})


def add_note(p: Principal, case_id: str, text: str, ports: Ports) -> dict[str, Any]:
    """An internal note: kept with the case, never sent to the citizen. Info-copy holders may note too
    (they often add what they know), so only visibility is required."""
    loaded = load_for(p, case_id, ports, "case.note")
    now = ports.clock()
    item = note_item(case_id, iso(now), p, text)
    ports.store.put_child(item)
    _audit(p, ports, "case.note", case_id, after={"note_id": item["note_id"], "access": loaded.access})
    return {k: item[k] for k in ("note_id", "by", "by_unit", "at", "text")}


def forward(
    p: Principal,
    case_id: str,
    unit_id: str,
    info_unit_ids: list[str],
    note: str | None,
    *,
    ports: Ports,
    expected_version: int | None = None,
) -> Case:
    changes = CaseChanges(
        status="forwarded" if unit_id else None,
        unit_id=unit_id or None,
        note=note,
        info_unit_ids=list(info_unit_ids),
    )
    loaded = load_for(p, case_id, ports, "case.forward", write=True)
    if unit_id and unit_id == loaded.case.unit_id:
        raise InvalidChange("Tin báo đang thuộc đơn vị này.", "unit_id")
    return apply_changes(p, case_id, changes, ports, expected_version=expected_version, action="case.forward")


def reply_text(case: Case, body: str, registry: Registry) -> str:
    """What the citizen reads: which tip and which unit the officer writes about, then the reply."""
    unit = registry.unit(case.unit_id)
    header = f"Về tin báo {case.code} — {unit.name if unit else 'Công an'}:"
    return body if body.startswith(header) else f"{header}\n{body}"


def reply(p: Principal, case_id: str, text: str, client_key: str, ports: Ports) -> dict[str, Any]:
    """A reply to the citizen through the OA the tip came in on (the sender checks Zalo's window)."""
    loaded = load_for(p, case_id, ports, "case.reply", write=True)
    if not p.has_role("officer", "commander"):
        _audit(p, ports, "case.reply", case_id, outcome="denied", reason="role")
        raise NotPermitted("role")
    case = loaded.case
    body = text.strip()
    if not body:
        raise InvalidChange("Nội dung trả lời trống.", "text")
    key = f"reply:{case_id}:{client_key}"
    message = outbox.text(
        case.oa_id,
        case.user_id,
        reply_text(case, body, ports.registry),
        key=key,
        origin="officer",
        case_id=case_id,
        officer=p.username,
    )
    ports.enqueue([message])
    now = ports.clock()
    # The citizen's answers go to this case (not to the bot) for a while after an officer wrote.
    try:
        ports.officer_thread(
            case.oa_id, case.user_id, case_id, now + timedelta(days=get_settings().officer_thread_days)
        )
    except Exception:  # the reply is queued; a lost thread only means the bot may answer once
        logger.exception("officer thread not recorded", extra={"case_id": case_id})
    at = iso(now)
    sets: dict[str, Any] = {"updated_at": at, "last_activity_at": at, "last_action_at": at}
    if not case.first_response_at:
        sets["first_response_at"] = at
    event = history_event(case_id, at, p.username, "reply", key=key, text=message.message.get("text"))
    try:
        _write(ports, loaded, sets, puts=[event])
    except StaleCase:  # the reply is already queued; keep its history even if the case just moved
        ports.store.put_child(event)
    _audit(p, ports, "case.reply", case_id, after={"key": key, "length": len(body)})
    if not case.first_response_at:
        _record_duration(ports, case, "first_response", now)
    _count(ports, key, case, now, replies_officer=1)
    return {"key": key, "status": "queued", "at": at, "text": message.message.get("text")}


def merge(p: Principal, case_id: str, into: str, ports: Ports) -> Case:
    """Mark a duplicate: it points at the case it duplicates, which lists it; both stay readable."""
    if into == case_id:
        raise InvalidChange("Không thể gộp tin báo vào chính nó.", "into")
    source = load_for(p, case_id, ports, "case.merge", write=True)
    target = load_for(p, into, ports, "case.merge", write=True)
    if source.case.merged_into:
        raise TransitionNotAllowed(source.case.status, "merged", "already merged")
    if target.case.merged_into:
        raise InvalidChange("Tin báo đích đã được gộp vào tin khác.", "into")
    at = iso(ports.clock())
    _write(
        ports,
        source,
        {"merged_into": into, "updated_at": at, "last_action_at": at},
        puts=[history_event(case_id, at, p.username, "merged_into", into=into, into_code=target.case.code)],
    )
    merged_from = [*target.case.extra.get("merged_from", []), case_id]
    extra = {**target.case.extra, "merged_from": merged_from}
    try:
        _write(
            ports,
            target,
            {"extra": extra, "updated_at": at},
            puts=[
                history_event(into, at, p.username, "merged_from", case=case_id, case_code=source.case.code)
            ],
        )
    except StaleCase:
        logger.warning("merge target changed; duplicate still points at it", extra={"case_id": into})
    _audit(p, ports, "case.merge", case_id, after={"merged_into": into})
    _audit(p, ports, "case.merge", into, after={"merged_from": case_id})
    notice_once(
        source.case,
        "merged",
        NOTICE_MERGED.format(code=source.case.code, into_code=target.case.code),
        ports,
    )
    return case_from_item({**source.item, "merged_into": into})


_REVEAL_FIELDS = (
    "display_name",
    "name",
    "phone",
    "phone_number",
    "address",
    "city",
    "district",
    "ward",
    "shared_info",
    "info",
    "avatar",
)


def _decrypt_all(value: Any, decrypt: Callable[..., Any], context: str) -> Any:
    """Open sealed maps (by structure) under the follower field's context; plain values stay."""
    if crypto.is_encrypted(value):
        return decrypt(value, None, context)
    if isinstance(value, dict):
        return {k: _decrypt_all(v, decrypt, f"{context.rsplit('|', 1)[0]}|{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_decrypt_all(v, decrypt, context) for v in value]
    return value


def reveal(p: Principal, case_id: str, reason: str, ports: Ports) -> dict[str, Any]:
    """Unseal the tipster's identity: commanders only, with a reason, always audited."""
    if not p.has_role("commander"):
        _audit(p, ports, "case.reveal", case_id, outcome="denied", reason="not a commander")
        raise NotPermitted("commander only")
    loaded = load_for(p, case_id, ports, "case.reveal", write=True)
    if len(reason.strip()) < 10:
        raise InvalidChange("Cần nêu rõ lý do (ít nhất 10 ký tự).", "reason")
    case = loaded.case
    since = p.roles_since.get("commander")
    if since and since > case.updated_at:
        # Separation of duties: a commander role granted after the case last changed does not unseal
        # it (an admin cannot grant the role and unseal at once, nor have it granted to unseal).
        _audit(
            p,
            ports,
            "case.reveal",
            case_id,
            outcome="denied",
            reason="commander role granted after the case's last change",
        )
        raise NotPermitted("commander role granted after the case's last change")
    follower = plain(ports.followers.sealed_record(case.oa_id, case.user_id) or {})
    shared_raw = follower.get("shared_info")
    base = info_context(case.oa_id, case.user_id, "")
    shared = _decrypt_all(shared_raw, ports.decrypt, base) if isinstance(shared_raw, dict) else {}
    for name in _REVEAL_FIELDS:
        if name in follower and name not in ("shared_info", "info"):
            shared.setdefault(name, _decrypt_all(follower[name], ports.decrypt, base + name))
    _audit(
        p,
        ports,
        "case.reveal",
        case_id,
        reason=reason.strip()[:1000],
        after={"revealed": sorted(["user_id", *shared])},
    )
    return {
        "case_id": case_id,
        "code": case.code,
        "oa_id": case.oa_id,
        "user_id": case.user_id,
        "shared_info": shared,
        "revealed_by": p.username,
        "reason": reason.strip()[:1000],
    }

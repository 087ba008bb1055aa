"""The officer workflow of a tip case: who may see and change it, and how its status may move.

Status transitions (anything else is refused with TransitionNotAllowed -> 409):

    new        -> in_review | verified | forwarded | rejected | spam
    in_review  -> verified | forwarded | resolved | rejected | spam
    verified   -> resolved | forwarded
    forwarded  -> in_review (the receiving unit takes it up) | resolved | forwarded (passed on again)
    resolved | rejected | spam -> in_review   (reopen; commanders only)

`forwarded` always comes with a change of unit (POST .../forward, or PATCH with a new `unit_id`).

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

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from anninh import audit, aws, conversations, crypto, keys, outbox
from anninh.api.auth import Principal
from anninh.cases.model import OUTCOME_LABELS_VI, STATUS_LABELS_VI, Case
from anninh.cases.queries import (
    CaseNotFound,
    StaleCase,
    case_from_item,
    dynamo,
    follower_item,
    load_case_item,
    plain,
)
from anninh.clock import iso, parse_iso, utcnow
from anninh.followers import info_context
from anninh.observability import logger
from anninh.registry import Registry
from anninh.settings import get_settings
from anninh.stats import counters

TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"in_review", "verified", "forwarded", "rejected", "spam"}),
    "in_review": frozenset({"verified", "forwarded", "resolved", "rejected", "spam"}),
    "verified": frozenset({"resolved", "forwarded"}),
    "forwarded": frozenset({"in_review", "resolved", "forwarded"}),
    "resolved": frozenset({"in_review"}),
    "rejected": frozenset({"in_review"}),
    "spam": frozenset({"in_review"}),
}
CLOSED = frozenset({"resolved", "rejected", "spam"})
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


class TransitionNotAllowed(Exception):
    def __init__(self, current: str, target: str, reason: str = "") -> None:
        self.current, self.target, self.reason = current, target, reason
        super().__init__(f"{current} -> {target} {reason}".strip())


class NotPermitted(Exception):
    """The caller may see the case but not do this (info-only copy, role missing)."""


class InvalidChange(ValueError):
    """A well-formed request that makes no sense for this case (unknown unit, officer...)."""

    def __init__(self, message: str, field_name: str = "") -> None:
        self.field_name = field_name
        super().__init__(message)


@dataclass
class Ports:
    """What the workflow talks to; tests pass fakes, production takes the defaults."""

    registry: Registry
    table: Any = None
    enqueue: Callable[[list[outbox.OutboundMessage]], None] = outbox.enqueue
    count: Callable[..., bool] = counters.count
    clock: Callable[[], datetime] = utcnow
    pseudonym: Callable[[str, str], str] = crypto.pseudonym
    decrypt: Callable[..., Any] = crypto.decrypt_text  # (value, kms, context)

    def tbl(self) -> Any:
        return self.table if self.table is not None else aws.table()


@dataclass
class CaseChanges:
    status: str | None = None
    valuable: bool | None = None
    unit_id: str | None = None
    note: str | None = None
    assignee: str | None = None
    assignee_set: bool = False  # assignee given (None then means "unassign")
    outcome: str | None = None
    outcome_set: bool = False
    info_unit_ids: list[str] = field(default_factory=list)


@dataclass
class Loaded:
    item: dict[str, Any]
    case: Case
    access: str  # "full" or "info"

    @property
    def version(self) -> int:
        return int(plain(self.item.get("version", 0)) or 0)


# ------------------------------------------------------------------------------ access


def _audit(p: Principal, ports: Ports, action: str, case_id: str, **kw: Any) -> None:
    audit.record(
        p.username,
        action,
        "case",
        case_id,
        actor_unit=p.unit_id,
        request_id=p.request_id,
        at=ports.clock(),
        table=ports.tbl(),
        **kw,
    )


def load_for(p: Principal, case_id: str, ports: Ports, action: str, write: bool = False) -> Loaded:
    """The case if the caller may see it (and change it when `write`); audits a refusal."""
    item = load_case_item(case_id, ports.tbl())
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


def can_reopen(p: Principal) -> bool:
    return p.has_role("commander", "admin")


def check_transition(current: str, target: str, p: Principal, unit_changes: bool) -> None:
    if target == current and target != "forwarded":
        return
    if target not in TRANSITIONS.get(current, frozenset()):
        raise TransitionNotAllowed(current, target)
    if current in CLOSED and not can_reopen(p):
        raise TransitionNotAllowed(current, target, "reopening a closed case is for commanders")
    if target == "forwarded" and not unit_changes:
        raise TransitionNotAllowed(current, target, "forwarding needs another unit")


# ------------------------------------------------------------------------------ writing


def _event(case_id: str, at: str, by: str, kind: str, **data: Any) -> dict[str, Any]:
    eid = uuid.uuid4().hex[:12]
    return {
        "PK": keys.case_pk(case_id),
        "SK": f"EVENT#{at}#{eid}",
        "type": "case_event",
        "event_id": eid,
        "kind": kind,
        "by": by,
        "at": at,
        **{k: v for k, v in data.items() if v is not None},
    }


def _write(
    ports: Ports,
    loaded: Loaded,
    sets: dict[str, Any],
    *,
    removes: list[str] | None = None,
    extra_puts: list[dict[str, Any]] | None = None,
    extra_deletes: list[dict[str, str]] | None = None,
) -> int:
    """One transaction: the case update (conditional on its version), history, copies."""
    table_name = ports.tbl().name
    version = loaded.version
    sets = {**sets, "version": version + 1}
    names = {f"#f{i}": k for i, k in enumerate(sets)}
    values: dict[str, Any] = {f":v{i}": dynamo(v) for i, v in enumerate(sets.values())}
    expression = "SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(sets)))
    removes = removes or []
    if removes:
        names.update({f"#r{i}": k for i, k in enumerate(removes)})
        expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(removes)))
    names["#ver"] = "version"
    if "version" in loaded.item:
        condition = "#ver = :expected"
        values[":expected"] = version
    else:
        condition = "attribute_exists(PK) AND attribute_not_exists(#ver)"
    actions: list[dict[str, Any]] = [
        {
            "Update": {
                "TableName": table_name,
                "Key": keys.case(loaded.case.case_id),
                "UpdateExpression": expression,
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }
    ]
    actions += [{"Put": {"TableName": table_name, "Item": dynamo(item)}} for item in extra_puts or []]
    actions += [{"Delete": {"TableName": table_name, "Key": key}} for key in extra_deletes or []]
    client = ports.tbl().meta.client
    try:
        client.transact_write_items(TransactItems=actions)
    except client.exceptions.TransactionCanceledException as exc:
        reasons = exc.response.get("CancellationReasons", [])
        if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
            raise StaleCase(loaded.case.case_id) from exc
        raise
    return version + 1


def _unit_gsi1sk(item: dict[str, Any], case: Case) -> str:
    return str(item.get("GSI1SK") or f"{case.created_at}#{case.case_id}")


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
    try:
        ports.tbl().put_item(
            Item={
                "PK": keys.case_pk(case.case_id),
                "SK": f"NOTICE#{kind}",
                "type": "citizen_notice",
                "at": iso(ports.clock()),
            },
            ConditionExpression="attribute_not_exists(PK)",
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
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
    record = getattr(counters, "record_duration", None)
    if record is None:
        return
    try:
        record(
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


def _validate_unit(ports: Ports, unit_id: str, field_name: str = "unit_id") -> None:
    unit = ports.registry.unit(unit_id)
    if unit is None:
        raise InvalidChange(f"Không có đơn vị '{unit_id}'.", field_name)
    if unit.ended_on:  # merged or split by a reorganisation: its work went to its successors
        successors = ", ".join(unit.successors)
        raise InvalidChange(f"{unit.name} đã được sắp xếp lại (nay là: {successors}).", field_name)


def _validate_assignee(ports: Ports, p: Principal, case_unit: str, username: str) -> str:
    name = username.strip().lower()
    officer = next((o for o in ports.registry.officers if o.username.lower() == name), None)
    if officer is None:
        raise InvalidChange(f"Không có cán bộ '{username}'.", "assignee")
    if not (ports.registry.is_within(officer.unit_id, case_unit) or p.can_see_unit(officer.unit_id)):
        raise InvalidChange("Chỉ giao cho cán bộ của đơn vị đang thụ lý tin báo.", "assignee")
    return name


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
    new_unit = changes.unit_id if changes.unit_id and changes.unit_id != case.unit_id else None
    if new_unit:
        _validate_unit(ports, new_unit)
    check_status_change(case, changes.status, p, unit_changes=bool(new_unit))
    for unit_id in changes.info_unit_ids:
        _validate_unit(ports, unit_id, "info_unit_ids")
    new_assignee = case.assignee
    if changes.assignee_set:
        new_assignee = (
            _validate_assignee(ports, p, new_unit or case.unit_id, changes.assignee)
            if changes.assignee
            else None
        )
    plan = plan_changes(case, loaded.item, changes, p, iso(now), new_unit=new_unit, new_assignee=new_assignee)
    if not plan.puts:
        return case  # nothing changed: no write, no version bump
    removes = sorted(set(plan.removes))
    version = _write(
        ports, loaded, plan.sets, removes=removes, extra_puts=plan.puts, extra_deletes=plan.deletes
    )
    _audit(
        p,
        ports,
        action,
        case_id,
        before=plain(plan.before) or None,
        after={**plain(plan.after), "version": version},
    )
    updated = case_from_item({**loaded.item, **plan.sets, **{r: None for r in plan.removes}})
    _after_effects(ports, case, updated, now, responded=plan.responded, status_changed=plan.status_changed)
    return updated


def check_status_change(case: Case, target: str | None, p: Principal, *, unit_changes: bool) -> None:
    """A requested status must be known and reachable from the case's status (pure)."""
    if target is None:
        return
    if target not in STATUS_LABELS_VI:
        raise InvalidChange(f"Trạng thái '{target}' không hợp lệ.", "status")
    check_transition(case.status, target, p, unit_changes=unit_changes)


@dataclass
class ChangePlan:
    """What one PATCH writes: attributes to set and remove, items to put (history events, notes,
    info copies) and delete, and the before/after of each changed field for the audit trail."""

    case: Case
    item: dict[str, Any]
    by: str
    at: str
    sets: dict[str, Any] = field(default_factory=dict)
    removes: list[str] = field(default_factory=list)
    puts: list[dict[str, Any]] = field(default_factory=list)
    deletes: list[dict[str, str]] = field(default_factory=list)
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    status_changed: bool = False
    responded: bool = False

    def change(self, name: str, old: Any, new: Any) -> None:
        self.before[name], self.after[name] = old, new

    def event(self, kind: str, **data: Any) -> None:
        self.puts.append(_event(self.case.case_id, self.at, self.by, kind, **data))


def plan_changes(
    case: Case,
    item: dict[str, Any],
    changes: CaseChanges,
    p: Principal,
    at: str,
    *,
    new_unit: str | None,
    new_assignee: str | None,
) -> ChangePlan:
    """Pure: the writes, history events and audit figures of `changes` to `case` (units and the
    assignee already checked by the caller; `new_unit` None when the unit stays)."""
    plan = ChangePlan(case, item, p.username, at)
    if new_unit:
        _plan_unit(plan, new_unit, keep_assignee=changes.assignee_set)
    _plan_info_units(plan, changes.info_unit_ids, new_unit)
    _plan_status(plan, changes.status)
    if changes.valuable is not None and changes.valuable != case.valuable:
        plan.sets["valuable"] = changes.valuable
        plan.change("valuable", case.valuable, changes.valuable)
        plan.event("valuable", value=changes.valuable)
    if changes.assignee_set:
        _plan_assignee(plan, new_assignee)
    if changes.outcome_set and changes.outcome != case.outcome:
        _plan_outcome(plan, changes.outcome)
    if changes.note and changes.note.strip():
        plan.puts.append(_note_item(case.case_id, at, p, changes.note))
        plan.after["note"] = True
    if plan.puts:
        _stamp(plan)
    return plan


def _plan_unit(plan: ChangePlan, new_unit: str, *, keep_assignee: bool) -> None:
    case = plan.case
    plan.sets.update(
        {
            "unit_id": new_unit,
            "GSI1PK": keys.unit_cases_gsi(new_unit),
            "GSI1SK": _unit_gsi1sk(plan.item, case),
        }
    )
    plan.change("unit_id", case.unit_id, new_unit)
    if case.assignee and not keep_assignee:
        plan.removes.append("assignee")
        plan.change("assignee", case.assignee, None)
    plan.event("unit", **{"from": case.unit_id, "to": new_unit})


def _plan_info_units(plan: ChangePlan, unit_ids: list[str], new_unit: str | None) -> None:
    case, case_id = plan.case, plan.case.case_id
    target_unit = new_unit or case.unit_id
    added: list[str] = []
    for unit_id in unit_ids:
        if unit_id != target_unit and unit_id not in case.info_units and unit_id not in added:
            added.append(unit_id)
    if added:
        plan.sets["info_units"] = [*case.info_units, *added]
        plan.change("info_units", case.info_units, plan.sets["info_units"])
        for unit_id in added:
            plan.puts.append(
                {
                    **keys.case_info_copy(case_id, unit_id),
                    "type": "case_info",
                    "case_id": case_id,
                    "unit_id": unit_id,
                    "GSI1PK": keys.unit_cases_gsi(unit_id),
                    "GSI1SK": _unit_gsi1sk(plan.item, case),
                    "by": plan.by,
                    "at": plan.at,
                }
            )
        plan.event("info_copy", units=added)
    if new_unit and new_unit in case.info_units:  # the unit now owns it: its copy is redundant
        plan.deletes.append(keys.case_info_copy(case_id, new_unit))
        plan.sets["info_units"] = [u for u in plan.sets.get("info_units", case.info_units) if u != new_unit]


def _plan_status(plan: ChangePlan, target: str | None) -> None:
    case = plan.case
    if target is None or (target == case.status and target != "forwarded"):
        return
    plan.status_changed = True
    plan.sets["status"] = target
    plan.change("status", case.status, target)
    plan.event("status", **{"from": case.status, "to": target})
    if target == "resolved":
        plan.sets["resolved_at"] = plan.at
    elif case.resolved_at and target not in CLOSED:
        plan.removes.append("resolved_at")


def _plan_assignee(plan: ChangePlan, new_assignee: str | None) -> None:
    case = plan.case
    if new_assignee == case.assignee:
        return
    if new_assignee:
        plan.sets["assignee"] = new_assignee
        plan.removes = [r for r in plan.removes if r != "assignee"]
    elif "assignee" not in plan.removes:
        plan.removes.append("assignee")
    plan.change("assignee", case.assignee, new_assignee)
    plan.event("assignee", **{"from": case.assignee, "to": new_assignee})


def _plan_outcome(plan: ChangePlan, outcome: str | None) -> None:
    case = plan.case
    if outcome is not None and outcome not in OUTCOME_LABELS_VI:
        raise InvalidChange(f"Kết quả '{outcome}' không hợp lệ.", "outcome")
    if outcome:
        plan.sets["outcome"] = outcome
    else:
        plan.removes.append("outcome")
    plan.change("outcome", case.outcome, outcome)
    plan.event("outcome", **{"from": case.outcome, "to": outcome})


def _stamp(plan: ChangePlan) -> None:
    """Activity times of a change that writes: updated, last activity, last action, first response."""
    at = plan.at
    plan.responded = first_response_by(plan.sets.get("status") if plan.status_changed else None)
    plan.sets.update({"updated_at": at, "last_activity_at": at})
    if plan.before:
        plan.sets["last_action_at"] = at
    if plan.responded and not plan.case.first_response_at:
        plan.sets["first_response_at"] = at


def first_response_by(new_status: str | None) -> bool:
    """Whether a status change is the officer's first response to the tipster.

    The first response is the first human message to the citizen (a reply) or the first status change
    by an officer; marking a tip as spam (or merging it into another) is housekeeping, not a response,
    so it never starts or ends the response clock (issue 17: spam markings made the median 7 s).
    """
    return new_status is not None and new_status != "spam"


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
        record = getattr(counters, "record_outcome", None)
        if record is not None:
            try:
                record(
                    f"outcome:{new.case_id}:{new.outcome}:{iso(now)}",
                    new.oa_id,
                    new.unit_id,
                    new.outcome,
                    previous=old.outcome,
                    at=now,
                )
            except Exception:
                logger.exception("outcome not counted", extra={"case_id": new.case_id})


def _note_item(case_id: str, at: str, p: Principal, text: str) -> dict[str, Any]:
    nid = uuid.uuid4().hex[:12]
    return {
        "PK": keys.case_pk(case_id),
        "SK": f"NOTE#{at}#{nid}",
        "type": "case_note",
        "note_id": nid,
        "by": p.username,
        "by_unit": p.unit_id,
        "at": at,
        "text": text.strip()[:4000],
    }


def add_note(p: Principal, case_id: str, text: str, ports: Ports) -> dict[str, Any]:
    """An internal note: kept with the case, never sent to the citizen. Info-copy holders may note too
    (they often add what they know), so only visibility is required."""
    loaded = load_for(p, case_id, ports, "case.note")
    now = ports.clock()
    item = _note_item(case_id, iso(now), p, text)
    ports.tbl().put_item(Item=item)
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
        conversations.set_officer_thread(
            case.oa_id, case.user_id, case_id, now + timedelta(days=get_settings().officer_thread_days)
        )
    except Exception:  # the reply is queued; a lost thread only means the bot may answer once
        logger.exception("officer thread not recorded", extra={"case_id": case_id})
    at = iso(now)
    sets: dict[str, Any] = {"updated_at": at, "last_activity_at": at, "last_action_at": at}
    if not case.first_response_at:
        sets["first_response_at"] = at
    event = _event(case_id, at, p.username, "reply", key=key, text=message.message.get("text"))
    try:
        _write(ports, loaded, sets, extra_puts=[event])
    except StaleCase:  # the reply is already queued; keep its history even if the case just moved
        ports.tbl().put_item(Item=event)
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
        extra_puts=[_event(case_id, at, p.username, "merged_into", into=into, into_code=target.case.code)],
    )
    merged_from = [*target.case.extra.get("merged_from", []), case_id]
    extra = {**target.case.extra, "merged_from": merged_from}
    try:
        _write(
            ports,
            target,
            {"extra": extra, "updated_at": at},
            extra_puts=[
                _event(into, at, p.username, "merged_from", case=case_id, case_code=source.case.code)
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
    follower = follower_item(case.oa_id, case.user_id, ports.tbl()) or {}
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

"""What an officer's change to a case writes, decided without I/O (issue 14: "a pure plan").

Status transitions (anything else is refused with TransitionNotAllowed -> 409):

    new        -> in_review | verified | forwarded | rejected | spam
    in_review  -> verified | forwarded | resolved | rejected | spam
    verified   -> resolved | forwarded
    forwarded  -> in_review (the receiving unit takes it up) | resolved | forwarded (passed on again)
    resolved | rejected | spam -> in_review   (reopen; commanders only)

`forwarded` always comes with a change of unit (POST .../forward, or PATCH with a new `unit_id`).

`plan_update` checks a PATCH against the case and the registry and returns a `ChangePlan`: the
attributes to set and remove, the history events, notes and info-only copies to put or delete, and the
before/after of each field for the audit trail. `case_write` turns it into a `CaseWrite`, which the
store writes in one transaction conditional on the case's `version` (anninh.cases.store).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from anninh import keys
from anninh.cases.errors import InvalidChange, TransitionNotAllowed
from anninh.cases.model import OUTCOME_LABELS_VI, STATUS_LABELS_VI, Case
from anninh.principal import Principal
from anninh.registry import Registry

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
class CaseWrite:
    """One conditional write of a case: the update of the case item (conditional on the version that
    was read, or on there being none yet) and the items put and deleted in the same transaction."""

    case_id: str
    expected_version: int | None  # None: the case item has no version attribute yet
    sets: dict[str, Any]
    removes: list[str] = field(default_factory=list)
    puts: list[dict[str, Any]] = field(default_factory=list)
    deletes: list[dict[str, str]] = field(default_factory=list)

    @property
    def new_version(self) -> int:
        return int(self.sets["version"])


def item_version(item: dict[str, Any]) -> int:
    return int(item.get("version", 0) or 0)


def case_write(
    case_id: str,
    item: dict[str, Any],
    sets: dict[str, Any],
    *,
    removes: list[str] | None = None,
    puts: list[dict[str, Any]] | None = None,
    deletes: list[dict[str, str]] | None = None,
) -> CaseWrite:
    """The write of `sets` (and the rest) to the case read as `item`, bumping its version."""
    version = item_version(item)
    return CaseWrite(
        case_id=case_id,
        expected_version=version if "version" in item else None,
        sets={**sets, "version": version + 1},
        removes=sorted(set(removes or [])),
        puts=list(puts or []),
        deletes=list(deletes or []),
    )


# ------------------------------------------------------------------------------ rules


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


def check_status_change(case: Case, target: str | None, p: Principal, *, unit_changes: bool) -> None:
    """A requested status must be known and reachable from the case's status (pure)."""
    if target is None:
        return
    if target not in STATUS_LABELS_VI:
        raise InvalidChange(f"Trạng thái '{target}' không hợp lệ.", "status")
    check_transition(case.status, target, p, unit_changes=unit_changes)


def validate_unit(registry: Registry, unit_id: str, field_name: str = "unit_id") -> None:
    unit = registry.unit(unit_id)
    if unit is None:
        raise InvalidChange(f"Không có đơn vị '{unit_id}'.", field_name)
    if unit.ended_on:  # merged or split by a reorganisation: its work went to its successors
        successors = ", ".join(unit.successors)
        raise InvalidChange(f"{unit.name} đã được sắp xếp lại (nay là: {successors}).", field_name)


def validate_assignee(registry: Registry, p: Principal, case_unit: str, username: str) -> str:
    name = username.strip().lower()
    officer = next((o for o in registry.officers if o.username.lower() == name), None)
    if officer is None:
        raise InvalidChange(f"Không có cán bộ '{username}'.", "assignee")
    if not (registry.is_within(officer.unit_id, case_unit) or p.can_see_unit(officer.unit_id)):
        raise InvalidChange("Chỉ giao cho cán bộ của đơn vị đang thụ lý tin báo.", "assignee")
    return name


def first_response_by(new_status: str | None) -> bool:
    """Whether a status change is the officer's first response to the tipster.

    The first response is the first human message to the citizen (a reply) or the first status change
    by an officer; marking a tip as spam (or merging it into another) is housekeeping, not a response,
    so it never starts or ends the response clock (issue 17: spam markings made the median 7 s).
    """
    return new_status is not None and new_status != "spam"


# ------------------------------------------------------------------------------ items


def history_event(case_id: str, at: str, by: str, kind: str, **data: Any) -> dict[str, Any]:
    """One entry of a case's history (an item in the case's partition)."""
    eid = uuid.uuid4().hex[:12]
    return {
        **keys.case_event(case_id, at, eid),
        "type": "case_event",
        "event_id": eid,
        "kind": kind,
        "by": by,
        "at": at,
        **{k: v for k, v in data.items() if v is not None},
    }


def note_item(case_id: str, at: str, p: Principal, text: str) -> dict[str, Any]:
    nid = uuid.uuid4().hex[:12]
    return {
        **keys.case_note(case_id, at, nid),
        "type": "case_note",
        "note_id": nid,
        "by": p.username,
        "by_unit": p.unit_id,
        "at": at,
        "text": text.strip()[:4000],
    }


def unit_sort_key(item: dict[str, Any], case: Case) -> str:
    return str(item.get("GSI1SK") or f"{case.created_at}#{case.case_id}")


# ------------------------------------------------------------------------------ the plan


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
        self.puts.append(history_event(self.case.case_id, self.at, self.by, kind, **data))

    @property
    def writes(self) -> bool:
        return bool(self.puts)

    def write(self) -> CaseWrite:
        """The one conditional write that stores this plan."""
        return case_write(
            self.case.case_id,
            self.item,
            self.sets,
            removes=self.removes,
            puts=self.puts,
            deletes=self.deletes,
        )


def plan_update(
    case: Case, item: dict[str, Any], changes: CaseChanges, p: Principal, *, registry: Registry, at: str
) -> ChangePlan:
    """Check a PATCH against the case and the registry (units, the assignee, the transition) and plan
    it; InvalidChange or TransitionNotAllowed when it cannot be done."""
    new_unit = changes.unit_id if changes.unit_id and changes.unit_id != case.unit_id else None
    if new_unit:
        validate_unit(registry, new_unit)
    check_status_change(case, changes.status, p, unit_changes=bool(new_unit))
    for unit_id in changes.info_unit_ids:
        validate_unit(registry, unit_id, "info_unit_ids")
    new_assignee = case.assignee
    if changes.assignee_set:
        new_assignee = (
            validate_assignee(registry, p, new_unit or case.unit_id, changes.assignee)
            if changes.assignee
            else None
        )
    return plan_changes(case, item, changes, p, at, new_unit=new_unit, new_assignee=new_assignee)


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
    """The writes, history events and audit figures of `changes` to `case` (units and the assignee
    already checked; `new_unit` None when the unit stays)."""
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
        plan.puts.append(note_item(case.case_id, at, p, changes.note))
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
            "GSI1SK": unit_sort_key(plan.item, case),
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
                    "GSI1SK": unit_sort_key(plan.item, case),
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

"""Workflow rules on the in-memory case store: transitions, reopen rights, the change plan, notices,
counting, audit of refusals (no AWS)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from anninh.cases import workflow
from anninh.cases.errors import StaleCase
from anninh.cases.model import Case
from anninh.principal import Principal
from tests.fakes.cases import MemoryCaseStore

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


def _principal(unit="p-hiep-tan", roles=("officer",), visible=("p-hiep-tan",)) -> Principal:
    return Principal(username="hieptan.canbo", unit_id=unit, roles=frozenset(roles), visible_units=visible)


@pytest.fixture
def world(registry):
    store = MemoryCaseStore()
    sent: list[Any] = []
    counted: list[tuple[str, dict[str, int]]] = []
    audited: list[dict[str, Any]] = []
    durations: list[str] = []
    threads: list[tuple[str, str, str]] = []
    ports = workflow.Ports(
        registry=registry,
        store=store,
        enqueue=sent.extend,
        count=lambda key, oa, unit, at, **inc: counted.append((key, inc)) or True,
        clock=lambda: NOW,
        audit=lambda actor, action, kind, target, **kw: audited.append(
            {"actor": actor, "action": action, "target": target, **kw}
        ),
        record_duration=lambda *a, metric, **k: durations.append(metric),
        record_outcome=lambda *a, **k: True,
        officer_thread=lambda oa, user, case_id, until: threads.append((oa, user, case_id)),
    )
    case = Case(
        case_id="c1",
        code="HT-2611-0001",
        oa_id="oa1",
        unit_id="p-hiep-tan",
        origin_unit_id="p-hiep-tan",
        user_id="zalo-1",
        pseudonym="Công dân X",
        created_at="2026-11-28T01:00:00.000Z",
        updated_at="2026-11-28T01:00:00.000Z",
        last_activity_at="2026-11-28T01:00:00.000Z",
    )
    store.add_case(case)
    return {
        "store": store,
        "ports": ports,
        "sent": sent,
        "counted": counted,
        "audited": audited,
        "durations": durations,
        "threads": threads,
    }


def _stored(world: dict[str, Any], case_id: str = "c1") -> dict[str, Any]:
    item = world["store"].case_item(case_id)
    assert item is not None
    return item


def test_every_documented_transition_and_nothing_else():
    officer = _principal()
    for current, targets in workflow.TRANSITIONS.items():
        for target in workflow.TRANSITIONS:
            if target == current:
                continue
            allowed = target in targets and current not in workflow.CLOSED
            try:
                workflow.check_transition(current, target, officer, unit_changes=True)
                assert allowed, f"{current} -> {target} should be refused"
            except workflow.TransitionNotAllowed:
                assert not allowed, f"{current} -> {target} should be allowed"


def test_reopening_is_for_commanders_and_forwarding_needs_a_unit():
    with pytest.raises(workflow.TransitionNotAllowed):
        workflow.check_transition("resolved", "in_review", _principal(), unit_changes=False)
    workflow.check_transition("resolved", "in_review", _principal(roles=("officer", "commander")), False)
    with pytest.raises(workflow.TransitionNotAllowed):
        workflow.check_transition("new", "forwarded", _principal(), unit_changes=False)


def test_review_notice_once_valuable_counted_once(world):
    p, ports = _principal(), world["ports"]
    workflow.apply_changes(p, "c1", workflow.CaseChanges(status="in_review", valuable=True), ports)
    workflow.apply_changes(p, "c1", workflow.CaseChanges(valuable=False), ports)
    workflow.apply_changes(p, "c1", workflow.CaseChanges(valuable=True), ports)
    assert [m.key for m in world["sent"]] == ["notice:c1:in_review"]
    assert "HT-2611-0001" in world["sent"][0].message["text"]
    # Each call asks to count with the same key; the counter's marker makes repeats no-ops.
    assert {key for key, inc in world["counted"] if "tips_valuable" in inc} == {"valuable:c1"}
    stored = _stored(world)
    assert stored["version"] == 3 and stored["first_response_at"] == "2026-11-28T03:00:00.000Z"


def test_no_change_means_no_write(world):
    before = _stored(world)
    workflow.apply_changes(_principal(), "c1", workflow.CaseChanges(status="new"), world["ports"])
    assert _stored(world) == before and world["store"].writes == []


def test_concurrent_change_is_stale(world):
    p, ports = _principal(), world["ports"]
    workflow.apply_changes(p, "c1", workflow.CaseChanges(status="in_review"), ports)
    with pytest.raises(StaleCase):
        workflow.apply_changes(p, "c1", workflow.CaseChanges(status="verified"), ports, expected_version=0)


def test_info_copy_holders_cannot_change(world):
    world["store"].items[("CASE#c1", "CASE")]["info_units"] = ["p-hoa-thanh"]
    reader = _principal(unit="p-hoa-thanh", visible=("p-hoa-thanh",))
    loaded = workflow.load_for(reader, "c1", world["ports"], "case.read")
    assert loaded.access == "info"
    with pytest.raises(workflow.NotPermitted):
        workflow.apply_changes(reader, "c1", workflow.CaseChanges(status="in_review"), world["ports"])


def test_spam_marking_is_not_a_first_response_but_a_status_change_is(world):
    p, ports = _principal(), world["ports"]
    workflow.apply_changes(p, "c1", workflow.CaseChanges(status="spam"), ports)
    stored = _stored(world)
    assert stored.get("first_response_at") is None and stored["status"] == "spam"
    commander = _principal(roles=("officer", "commander"))
    workflow.apply_changes(commander, "c1", workflow.CaseChanges(status="in_review"), ports)
    stored = _stored(world)
    assert stored["first_response_at"] == "2026-11-28T03:00:00.000Z"


def test_an_assignment_alone_is_not_a_first_response(world):
    p, ports = _principal(), world["ports"]
    workflow.apply_changes(
        p, "c1", workflow.CaseChanges(assignee="hieptan.canbo", assignee_set=True, valuable=True), ports
    )
    assert _stored(world).get("first_response_at") is None


def test_forwarding_moves_the_tip_to_the_receiving_units_count(world):
    p = _principal(
        roles=("officer", "commander"), unit="tan-phu", visible=("tan-phu", "p-hiep-tan", "doi-hinh-su")
    )
    workflow.forward(p, "c1", "doi-hinh-su", [], "Chuyển đội hình sự", ports=world["ports"])
    moves = [(key, inc) for key, inc in world["counted"] if key.startswith("move:")]
    assert [inc for _, inc in moves] == [{"tips_moved_out": 1}, {"tips_moved_in": 1}]


def _plain_case(**fields: Any) -> Case:
    base = {
        "case_id": "c9",
        "code": "HT-2611-0009",
        "oa_id": "oa1",
        "unit_id": "p-hiep-tan",
        "origin_unit_id": "p-hiep-tan",
        "user_id": "zalo-9",
        "pseudonym": "Công dân Y",
        "created_at": "2026-11-28T01:00:00.000Z",
        "updated_at": "2026-11-28T01:00:00.000Z",
        "last_activity_at": "2026-11-28T01:00:00.000Z",
    }
    return Case(**{**base, **fields})


def test_the_change_plan_is_decided_without_any_io():
    case = _plain_case(assignee="hieptan.canbo")
    changes = workflow.CaseChanges(status="resolved", outcome="prevented", outcome_set=True, note=" ok ")
    at = "2026-11-28T03:00:00.000Z"
    plan = workflow.plan_changes(
        case, {}, changes, _principal(), at, new_unit=None, new_assignee=case.assignee
    )
    assert plan.sets["status"] == "resolved" and plan.sets["resolved_at"] == at
    assert plan.sets["outcome"] == "prevented" and plan.sets["last_action_at"] == at
    kinds = [item.get("kind", item["type"]) for item in plan.puts]
    assert kinds == ["status", "outcome", "case_note"]
    assert plan.before == {"status": "new", "outcome": None}
    assert plan.status_changed and plan.removes == []


def test_moving_a_case_drops_the_assignee_and_the_new_units_info_copy():
    case = _plain_case(assignee="hieptan.canbo", info_units=["p-tan-thanh"])
    changes = workflow.CaseChanges(unit_id="p-tan-thanh")
    plan = workflow.plan_changes(
        case, {}, changes, _principal(), "2026-11-28T03:00:00.000Z", new_unit="p-tan-thanh", new_assignee=None
    )
    assert plan.sets["unit_id"] == "p-tan-thanh" and plan.sets["info_units"] == []
    assert plan.removes == ["assignee"] and len(plan.deletes) == 1
    assert not plan.status_changed


def test_an_empty_change_plans_no_write():
    case = _plain_case()
    plan = workflow.plan_changes(
        case,
        {},
        workflow.CaseChanges(),
        _principal(),
        "2026-11-28T03:00:00.000Z",
        new_unit=None,
        new_assignee=None,
    )
    assert plan.puts == [] and plan.sets == {}

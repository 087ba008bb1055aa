"""The pure change plan of a case (anninh.cases.plan) and the workflow's one write of it, on the
in-memory case store (tests/fakes/cases.py): no moto, no sockets."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from anninh.cases import plan, workflow
from anninh.cases.errors import CaseNotFound, InvalidChange, NotPermitted, StaleCase, TransitionNotAllowed
from anninh.cases.model import Case
from anninh.principal import Principal
from tests.fakes.cases import MemoryCaseStore

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
AT = "2026-11-28T03:00:00.000Z"


def officer(unit: str = "p-hiep-tan", roles: tuple[str, ...] = ("officer",), name: str = "hieptan.canbo"):
    visible = ("tan-phu", "p-hiep-tan", "p-hoa-thanh", "p-tan-thanh") if unit == "tan-phu" else (unit,)
    return Principal(username=name, unit_id=unit, roles=frozenset(roles), visible_units=visible)


def a_case(**fields: Any) -> Case:
    base: dict[str, Any] = {
        "case_id": "c1",
        "code": "HT-2611-0001",
        "oa_id": "oa1",
        "unit_id": "p-hiep-tan",
        "origin_unit_id": "p-hiep-tan",
        "user_id": "zalo-1",
        "pseudonym": "Công dân X",
        "created_at": "2026-11-28T01:00:00.000Z",
        "updated_at": "2026-11-28T01:00:00.000Z",
        "last_activity_at": "2026-11-28T01:00:00.000Z",
    }
    return Case(**{**base, **fields})


# ------------------------------------------------------------------------------ the pure plan


def test_a_plan_checks_units_and_the_assignee_against_the_registry(registry):
    case = a_case()
    with pytest.raises(InvalidChange) as unknown:
        plan.plan_update(
            case, {}, plan.CaseChanges(unit_id="no-such-unit"), officer(), registry=registry, at=AT
        )
    assert unknown.value.field_name == "unit_id"
    with pytest.raises(InvalidChange) as info:
        plan.plan_update(
            case, {}, plan.CaseChanges(info_unit_ids=["nowhere"]), officer(), registry=registry, at=AT
        )
    assert info.value.field_name == "info_unit_ids"
    # An officer of another ward is not someone this case can be given to.
    with pytest.raises(InvalidChange) as other:
        plan.plan_update(
            case,
            {},
            plan.CaseChanges(assignee="hoathanh.canbo", assignee_set=True),
            officer(),
            registry=registry,
            at=AT,
        )
    assert other.value.field_name == "assignee"
    planned = plan.plan_update(
        case,
        {},
        plan.CaseChanges(assignee=" HiepTan.ChiHuy ", assignee_set=True),
        officer(),
        registry=registry,
        at=AT,
    )
    assert planned.sets["assignee"] == "hieptan.chihuy"
    assert [e["kind"] for e in planned.puts] == ["assignee"]


def test_unknown_status_is_invalid_and_an_unreachable_one_is_a_refused_transition(registry):
    with pytest.raises(InvalidChange):
        plan.plan_update(a_case(), {}, plan.CaseChanges(status="done"), officer(), registry=registry, at=AT)
    with pytest.raises(TransitionNotAllowed):
        plan.plan_update(
            a_case(status="verified"),
            {},
            plan.CaseChanges(status="spam"),
            officer(),
            registry=registry,
            at=AT,
        )


def test_forwarding_plans_the_move_its_history_and_info_copies_in_the_new_inbox(registry):
    case = a_case(assignee="hieptan.canbo")
    item = {"GSI1SK": "2026-11-28T01:00:00.000Z#c1", "version": 4}
    changes = plan.CaseChanges(status="forwarded", unit_id="doi-hinh-su", info_unit_ids=["p-hoa-thanh"])
    planned = plan.plan_update(case, item, changes, officer(), registry=registry, at=AT)
    assert planned.sets["status"] == "forwarded" and planned.sets["unit_id"] == "doi-hinh-su"
    assert planned.sets["GSI1PK"] == "UNIT#doi-hinh-su#CASES"
    assert planned.sets["GSI1SK"] == item["GSI1SK"]  # same place in date order in the new inbox
    assert planned.removes == ["assignee"]  # the new unit assigns its own officer
    kinds = [p.get("kind", p["type"]) for p in planned.puts]
    assert kinds == ["unit", "case_info", "info_copy", "status"]
    copy = next(p for p in planned.puts if p["type"] == "case_info")
    assert (copy["PK"], copy["SK"], copy["GSI1PK"]) == (
        "CASE#c1",
        "INFO#p-hoa-thanh",
        "UNIT#p-hoa-thanh#CASES",
    )
    write = planned.write()
    assert write.expected_version == 4 and write.new_version == 5
    assert write.sets["last_action_at"] == AT and write.sets["first_response_at"] == AT


def test_a_case_never_written_by_the_workflow_is_written_on_the_condition_it_has_no_version(registry):
    planned = plan.plan_update(
        a_case(), {"PK": "CASE#c1"}, plan.CaseChanges(valuable=True), officer(), registry=registry, at=AT
    )
    write = planned.write()
    assert write.expected_version is None and write.new_version == 1


def test_reopening_clears_the_resolution_time(registry):
    case = a_case(status="resolved", resolved_at="2026-11-28T02:00:00.000Z")
    commander = officer(roles=("officer", "commander"), name="hieptan.chihuy")
    planned = plan.plan_update(
        case, {}, plan.CaseChanges(status="in_review"), commander, registry=registry, at=AT
    )
    assert "resolved_at" in planned.removes and planned.sets["status"] == "in_review"


# ------------------------------------------------------------------------------ the workflow's one write


@pytest.fixture
def desk(registry):
    store = MemoryCaseStore()
    store.add_case(a_case())
    audited: list[dict[str, Any]] = []
    sent: list[Any] = []
    ports = workflow.Ports(
        registry=registry,
        store=store,
        enqueue=sent.extend,
        count=lambda *a, **k: True,
        clock=lambda: NOW,
        audit=lambda actor, action, kind, target, **kw: audited.append(
            {"action": action, "target": target, **kw}
        ),
        record_duration=lambda *a, **k: True,
        record_outcome=lambda *a, **k: True,
        officer_thread=lambda *a: None,
    )
    return store, ports, audited, sent


def test_one_change_is_one_transaction_with_its_history(desk):
    store, ports, audited, _ = desk
    changes = workflow.CaseChanges(status="in_review", valuable=True, note="Đã gọi điện xác minh")
    updated = workflow.apply_changes(officer(), "c1", changes, ports)
    assert updated.status == "in_review" and updated.valuable
    assert len(store.writes) == 1
    history = [e["kind"] for e in store.children("c1")["EVENT"]]
    assert sorted(history) == ["status", "valuable"]
    assert [n["text"] for n in store.children("c1")["NOTE"]] == ["Đã gọi điện xác minh"]
    assert audited[-1]["action"] == "case.update" and audited[-1]["after"]["version"] == 1


def test_a_case_the_caller_may_not_see_is_not_found_and_the_attempt_is_audited(desk):
    store, ports, audited, _ = desk
    outsider = officer(unit="p-hoa-thanh", name="hoathanh.canbo")
    with pytest.raises(CaseNotFound):
        workflow.apply_changes(outsider, "c1", workflow.CaseChanges(status="in_review"), ports)
    with pytest.raises(CaseNotFound):
        workflow.load_for(outsider, "no-such-case", ports, "case.read")
    assert [(a["target"], a["outcome"], a["reason"]) for a in audited] == [
        ("c1", "denied", "not visible"),
        ("no-such-case", "denied", "no such case"),
    ]
    assert store.writes == []


def test_an_editor_who_sees_the_unit_still_may_not_change_a_case(desk):
    _, ports, audited, _ = desk
    editor = officer(roles=("editor",), name="hieptan.bientap")
    with pytest.raises(NotPermitted):
        workflow.apply_changes(editor, "c1", workflow.CaseChanges(status="in_review"), ports)
    assert audited[-1]["reason"] == "role"


def test_a_write_that_lost_the_race_is_stale_and_changes_nothing(desk):
    store, ports, _, _ = desk
    read = store.case_item("c1")
    workflow.apply_changes(officer(), "c1", workflow.CaseChanges(status="in_review"), ports)
    late = plan.case_write("c1", read or {}, {"status": "rejected"})
    with pytest.raises(StaleCase):
        store.write(late)
    assert (store.case_item("c1") or {})["status"] == "in_review"


def test_merge_points_the_duplicate_at_the_case_and_tells_the_citizen_once(desk):
    store, ports, _, sent = desk
    store.add_case(a_case(case_id="c2", code="HT-2611-0002"))
    merged = workflow.merge(officer(), "c2", "c1", ports)
    assert merged.merged_into == "c1"
    assert (store.case_item("c1") or {})["extra"]["merged_from"] == ["c2"]
    assert [m.key for m in sent] == ["notice:c2:merged"]
    with pytest.raises(TransitionNotAllowed):
        workflow.merge(officer(), "c2", "c1", ports)
    assert len(sent) == 1


def test_a_reply_is_queued_recorded_in_history_and_starts_the_response_clock(desk):
    store, ports, _, sent = desk
    result = workflow.reply(officer(), "c1", "Cảm ơn anh/chị, chúng tôi đang xác minh.", "k1", ports)
    assert result["key"] == "reply:c1:k1" and sent[0].key == "reply:c1:k1"
    assert sent[0].message["text"].startswith("Về tin báo HT-2611-0001")
    stored = store.case_item("c1") or {}
    assert stored["first_response_at"] == AT and stored["version"] == 1
    assert [e["kind"] for e in store.children("c1")["EVENT"]] == ["reply"]

"""The cases service the /tips and /inbox routes call, on the in-memory case store: inbox entries with
unread marks, presence, the unit inbox search across units with info-only copies, duplicates, media
links, the digest of overdue cases, the citizen's conversation a case shows (through the conversations
area) and a commander's reveal of the tipster's shared info (through the followers area) (no AWS)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from anninh import crypto, keys
from anninh.cases import overdue, queries, workflow
from anninh.cases.model import Case
from anninh.cases.officers import CaseService
from anninh.conversations import ConversationService
from anninh.followers import Followers
from anninh.principal import Principal
from tests.fakes.cases import MemoryCaseStore
from tests.fakes.conversations import MemoryConversationStore
from tests.fakes.followers import InMemoryFollowerStore

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def _iso(hours_ago: float) -> str:
    return (NOW - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _case(case_id: str, unit: str = "p-hiep-tan", hours: float = 1, **fields: Any) -> Case:
    return Case(
        case_id=case_id,
        code=f"HT-2611-{case_id}",
        oa_id="oa1",
        unit_id=unit,
        origin_unit_id=unit,
        user_id=f"zalo-{case_id}",
        pseudonym="Công dân X",
        created_at=_iso(hours),
        updated_at=_iso(hours),
        last_activity_at=_iso(hours),
        **fields,
    )


def _officer(unit: str = "p-hiep-tan", name: str = "hieptan.canbo") -> Principal:
    return Principal(username=name, unit_id=unit, roles=frozenset({"officer"}), visible_units=(unit,))


@pytest.fixture
def world(registry):
    store = MemoryCaseStore()
    signed: list[tuple[str, str, int]] = []

    def presign(bucket: str, key: str, seconds: int) -> str:
        signed.append((bucket, key, seconds))
        return f"https://{bucket}.example/{key}?ttl={seconds}"

    ports = workflow.Ports(
        registry=registry,
        store=store,
        clock=lambda: NOW,
        audit=lambda *a, **k: None,
        conversations=ConversationService(MemoryConversationStore(), retention_days=30),
        followers=Followers(InMemoryFollowerStore()),
    )
    return store, CaseService(ports, presign=presign), signed


def test_open_entries_mark_unread_until_the_officer_opens_the_case(world):
    store, cases, _ = world
    store.add_case(_case("0001", hours=2))
    store.add_case(_case("0002", hours=1, status="resolved"))
    store.add_case(_case("0003", unit="p-hoa-thanh"))
    officer = _officer()
    (entry,) = cases.open_entries(officer, ["p-hiep-tan"], NOW)
    assert entry.case.case_id == "0001" and entry.unread
    assert cases.opened(officer, "0001", NOW) == []
    (entry,) = cases.open_entries(officer, ["p-hiep-tan"], NOW)
    assert not entry.unread


def test_presence_names_the_others_on_the_case_in_the_last_minutes(world):
    _, cases, _ = world
    cases.opened(_officer(name="hieptan.chihuy"), "0001", NOW - timedelta(minutes=10))
    cases.opened(_officer(name="hieptan.canbo2"), "0001", NOW - timedelta(minutes=1))
    assert cases.opened(_officer(), "0001", NOW) == ["hieptan.canbo2"]


def test_the_unit_inbox_pages_newest_first_and_shows_info_copies_read_only(world):
    store, cases, _ = world
    for n, hours in (("0001", 5), ("0002", 3), ("0003", 1)):
        store.add_case(_case(n, hours=hours))
    other = store.add_case(_case("0004", unit="p-hoa-thanh", hours=2, info_units=["p-hiep-tan"]))
    store.put(
        {
            "PK": "CASE#0004",
            "SK": "INFO#p-hiep-tan",
            "case_id": "0004",
            "GSI1PK": "UNIT#p-hiep-tan#CASES",
            "GSI1SK": other["GSI1SK"],
        }
    )
    visible = ["p-hiep-tan"]
    rows, cursor = cases.search(visible, queries.InboxFilter(), visible, limit=3, cursor=None)
    assert [(r.case.case_id, r.access) for r in rows] == [
        ("0003", "full"),
        ("0004", "info"),
        ("0002", "full"),
    ]
    rows, cursor = cases.search(visible, queries.InboxFilter(), visible, limit=3, cursor=cursor)
    assert [r.case.case_id for r in rows] == ["0001"] and cursor is None


def test_duplicates_are_the_visible_unmerged_cases_intake_noted(world):
    store, cases, _ = world
    store.add_case(_case("0002"))
    store.add_case(_case("0003", merged_into="0002"))
    store.add_case(_case("0004", unit="p-hoa-thanh"))
    case = _case("0001", extra={"possible_duplicates": ["HT-2611-0002", "HT-2611-0003", "HT-2611-0004"]})
    assert [c.case_id for c in cases.duplicates(_officer(), case)] == ["0002"]


def test_media_links_are_signed_for_stored_attachments_only(world):
    _, cases, signed = world
    assert (
        cases.media_link({"s3_key": "media/c1/1.jpg", "bucket": "b1"})
        == "https://b1.example/media/c1/1.jpg?ttl=300"
    )
    assert cases.media_link({"s3_key": "media/c1/2.jpg", "purged_at": _iso(1)}) is None
    assert cases.media_link({"status": "pending"}) is None
    assert signed == [("b1", "media/c1/1.jpg", 300)]


def test_the_overdue_digest_is_stored_per_unit_for_the_day(world, monkeypatch):
    store, _, _ = world
    store.put({"PK": "UNIT#p-hiep-tan", "SK": "UNIT", "GSI1PK": "UNITS", "GSI1SK": "p-hiep-tan"})
    store.add_case(_case("0001", hours=30))  # new for 30 h: overdue (limit 4 h)
    store.add_case(_case("0002", hours=1))
    monkeypatch.setattr(overdue, "thresholds", lambda: {"new": 4})
    assert overdue.overdue_digest(NOW, store) == {"p-hiep-tan": 1}
    (digest,) = overdue.load_digests(["p-hiep-tan"], "2026-11-28", store)
    assert [c["case_id"] for c in digest["cases"]] == ["0001"] and digest["count"] == 1


def test_a_case_shows_the_citizens_conversation_from_its_start_oldest_first_and_bounded(world):
    _, cases, _ = world
    conversation = cases.ports.conversations.store
    case = _case("0001", hours=3)
    pk = keys.conversation_pk(case.oa_id, case.user_id)
    for n, hours in enumerate((5, 2, 1, 0.5)):  # the first one is before the case
        message = {**keys.message(case.oa_id, case.user_id, _iso(hours), f"m{n}"), "text": f"tin {n}"}
        conversation.put_new({**message, "expires_at": Decimal(1_800_000_000)})
    conversation.put_new({"PK": pk, "SK": "MSGID#m3", "type": "message_marker"})
    conversation.put_new({"PK": pk, "SK": "STATE", "type": "conversation"})
    other = keys.message(case.oa_id, "zalo-someone-else", _iso(1), "x1")
    conversation.put_new({**other, "text": "not this citizen's"})

    shown = cases.messages(case, case.created_at)
    assert [m["text"] for m in shown] == ["tin 1", "tin 2", "tin 3"]
    assert shown[0]["expires_at"] == 1_800_000_000 and type(shown[0]["expires_at"]) is int
    assert [m["text"] for m in cases.messages(case, case.created_at, limit=2)] == ["tin 1", "tin 2"]
    between = queries.conversation_messages(
        case.oa_id, case.user_id, _iso(2), end_iso=_iso(1.5), conversations=cases.ports.conversations
    )
    assert [m["text"] for m in between] == ["tin 1"]


def _sealed(text: str) -> dict[str, Any]:
    return {"v": crypto.VERSION, "k": "key", "n": "nonce", "ct": text}


def test_a_commander_reveals_the_tipsters_shared_info_opened_for_that_follower(world):
    store, cases, _ = world
    case = _case("0001")
    store.add_case(case)
    cases.ports.followers.store.put_info(
        case.oa_id, case.user_id, {"phone": _sealed("0909"), "name": _sealed("Lan")}, NOW.isoformat()
    )
    cases.ports.decrypt = lambda value, kms, context: f"{value['ct']} ({context})"
    commander = Principal(
        username="hieptan.chihuy",
        unit_id="p-hiep-tan",
        roles=frozenset({"commander"}),
        visible_units=("p-hiep-tan",),
    )
    revealed = cases.reveal(commander, "0001", "Cần liên hệ người báo tin để xác minh")
    context = f"FOLLOWER#{case.oa_id}#{case.user_id}"
    assert revealed["user_id"] == case.user_id
    assert revealed["shared_info"] == {"phone": f"0909 ({context}|phone)", "name": f"Lan ({context}|name)"}

    store.add_case(_case("0002"))  # a tipster who never shared anything
    assert cases.reveal(commander, "0002", "Cần liên hệ người báo tin để xác minh")["shared_info"] == {}

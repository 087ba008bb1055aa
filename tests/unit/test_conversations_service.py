"""Conversations and hand-offs on an in-memory store: the log, the state, the officers' hand-off list."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from anninh import crypto
from anninh.conversations import ConversationService
from anninh.conversations.rules import decode_cursor, handoff_page
from tests.fakes.conversations import MemoryConversationStore
from tests.fakes.kms import FakeKms

AT = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


@pytest.fixture
def service() -> Iterator[ConversationService]:
    crypto.reset_crypto_caches()
    crypto.encrypt_text("prime", FakeKms())  # the data key every seal in this test uses (no KMS call)
    crypto.use_pepper(b"unit-test-pepper")
    ids = iter(f"cid{n}" for n in range(100))
    yield ConversationService(MemoryConversationStore(), retention_days=30, new_id=lambda: next(ids))
    crypto.reset_crypto_caches()


def test_a_redelivered_message_is_stored_once_and_reads_back_opened(service: ConversationService) -> None:
    args = ("oa1", "zalo-u1", AT, "m1", "text", {"text": "Xe bị mất"}, "ev1")
    assert service.record_inbound(*args, text="Xe bị mất") is True
    assert service.record_inbound(*args, text="Xe bị mất") is False
    messages, cursor = service.list_messages("oa1", "zalo-u1")
    assert [m.text for m in messages] == ["Xe bị mất"] and cursor is None
    assert messages[0].user_id == "zalo-u1" and messages[0].message == {"text": "Xe bị mất"}


def test_our_send_and_its_echo_are_one_message(service: ConversationService) -> None:
    assert service.record_outbound("oa1", "u1", AT, "z-9", {"text": "Chào anh"}, "bot") is True
    assert (
        service.record_outbound("oa1", "u1", AT + timedelta(seconds=2), "z-9", {"text": "Chào anh"}, "oa")
        is False
    )
    messages, _ = service.list_messages("oa1", "u1")
    assert [(m.direction, m.origin, m.kind) for m in messages] == [("out", "bot", "text")]


def test_pages_follow_the_cursor_and_a_cursor_of_another_conversation_is_refused(
    service: ConversationService,
) -> None:
    for n in range(5):
        service.record_inbound(
            "oa1", "u1", AT + timedelta(minutes=n), f"m{n}", "text", {}, f"e{n}", text=f"t{n}"
        )
    first, cursor = service.list_messages("oa1", "u1", limit=3)
    second, end = service.list_messages("oa1", "u1", limit=3, cursor=cursor)
    assert [m.text for m in first + second] == [f"t{n}" for n in range(5)] and end is None
    with pytest.raises(ValueError, match="invalid cursor"):
        service.list_messages("oa1", "someone-else", cursor=cursor)


def test_state_keeps_its_conversation_id_and_unit_and_handoffs_list_newest_first(
    service: ConversationService,
) -> None:
    first = service.ensure_state("oa1", "u1", "ward-a", AT)
    again = service.ensure_state("oa1", "u1", "ward-b", AT + timedelta(hours=1))
    assert first.conversation_id == again.conversation_id and again.unit_id == "ward-a"
    service.ensure_state("oa1", "u2", "ward-a", AT)
    service.set_handoff("oa1", "u1", "ward-a", AT)
    service.set_handoff("oa1", "u2", "ward-a", AT + timedelta(minutes=5))
    rows, after = service.handoff_page(["ward-a"], None, 1)
    assert [service.citizen(r) for r in rows] == [("oa1", "u2")] and after is not None
    rows, after = service.handoff_page(["ward-a"], after, 1)
    assert [service.citizen(r) for r in rows] == [("oa1", "u1")] and after is None
    assert "u1" not in rows[0]["PK"] and crypto.is_encrypted(rows[0]["user_id"])  # hashed key, sealed id
    assert [s.user_id for s in service.list_handoffs("ward-a")] == ["u2", "u1"]


def test_an_officer_reads_the_citizens_last_question_and_closes_the_handoff(
    service: ConversationService,
) -> None:
    state = service.ensure_state("oa1", "u1", "ward-a", AT)
    service.record_inbound("oa1", "u1", AT, "m1", "text", {}, "e1", text="Làm CCCD ở đâu?")
    service.record_outbound("oa1", "u1", AT + timedelta(seconds=1), "z1", {"text": "Chưa rõ"}, "bot")
    service.set_handoff("oa1", "u1", "ward-a", AT)
    item = service.by_conversation_id(state.conversation_id)
    assert item is not None and service.last_inbound_text(item) == "Làm CCCD ở đâu?"
    assert [m["direction"] for m in service.officer_messages(item, 10)] == ["in", "out"]
    closed = service.close_handoff(item, "officer.a", "2026-05-04T09:00:00Z")
    assert closed["handed_off"] is False and "GSI1PK" not in closed
    assert service.handoff_page(["ward-a"], None, 10) == ([], None)


def test_the_badge_counts_the_units_open_handoffs_only(service: ConversationService) -> None:
    for user, unit in (("u1", "ward-a"), ("u2", "ward-a"), ("u3", "ward-b"), ("u4", "ward-a")):
        service.ensure_state("oa1", user, unit, AT)
        service.set_handoff("oa1", user, unit, AT)
    answered = service.by_conversation_id(service.ensure_state("oa1", "u4", "ward-a", AT).conversation_id)
    assert answered is not None
    service.close_handoff(answered, "officer.a", "2026-05-04T09:00:00Z")
    assert (service.handoffs_waiting("ward-a"), service.handoffs_waiting("ward-b")) == (2, 1)
    assert service.handoffs_waiting("ward-c") == 0


def test_handoff_page_is_strictly_after_the_cursor() -> None:
    rows = [{"GSI1SK": "2026-05-04T08:00", "conversation_id": c} for c in ("a", "b", "c")]
    page, after = handoff_page(rows, ("2026-05-04T08:00", "c"), 5)
    assert [r["conversation_id"] for r in page] == ["b", "a"] and after is None
    assert decode_cursor(None, "CONV#x") is None
    with pytest.raises(ValueError, match="invalid cursor"):
        decode_cursor("not-base64!", "CONV#x")

"""Privacy at rest of a citizen's Zalo id (issue 11, item 11): after a citizen talks to the bot, is
handed off, and an officer answers through the API and the sender - and after a citizen follows an
OA, receives a campaign and takes a queue number that is then reminded - no item in the table carries
the citizen's Zalo user_id in a key or in a plain attribute. Lookups use the keyed hash; the id the
senders need (the reply, the campaign, the reminder) is sealed and bound to its record and field."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from anninh import aws, conversations, crypto
from anninh.intake.pipeline import default_pipeline
from anninh.sending import set_default_sender
from tests.integration.test_api_support import call, claims_for
from tests.integration.test_inbound_integration import envelope_for, text_body
from tests.integration.test_inbound_support import FakeBot
from tests.integration.test_sender import make_sender, run_sender
from tests.integration.test_tokens import OA_ID, FakeZalo, seed_tokens

CITIZEN = "8400000000000007777"
FOLLOWER = "8400000000000008888"  # the citizen of the follow / campaign / queue test


def _plain_strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, text) of every string in an item that is not inside a sealed map."""
    if crypto.is_encrypted(value):
        return
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _plain_strings(k, f"{path}.<key>")
            yield from _plain_strings(v, f"{path}.{k}")
    elif isinstance(value, (list, set, tuple)):
        for n, v in enumerate(value):
            yield from _plain_strings(v, f"{path}[{n}]")
    elif isinstance(value, str):
        yield path, value
    elif isinstance(value, (bytes, Decimal)):
        yield path, str(value)


def _scan() -> list[dict[str, Any]]:
    table, items, kwargs = aws.table(), [], {}
    while True:
        page = table.scan(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@pytest.fixture
def zalo(aws_stack: Any) -> Iterator[FakeZalo]:
    from anninh.zalo.tokens import TokenStore

    fake = FakeZalo()
    seed_tokens(TokenStore(client=fake.client()))
    set_default_sender(make_sender(fake))
    yield fake
    set_default_sender(None)


def test_no_raw_zalo_user_id_in_any_key_or_plain_attribute(
    aws_stack: Any, registry: Any, zalo: FakeZalo
) -> None:
    pipeline = default_pipeline(bot=FakeBot())
    now = int(time.time() * 1000)
    pipeline.process(
        envelope_for(text_body(CITIZEN, "cho hỏi giờ làm việc", now - 60_000, oa=OA_ID, msg_id="zm-a1"))
    )
    pipeline.process(envelope_for(text_body(CITIZEN, "tôi muốn gặp cán bộ", now, oa=OA_ID, msg_id="zm-a2")))
    run_sender()  # the bot's answers go out and are logged
    state = conversations.service().get_state(OA_ID, CITIZEN)
    assert state is not None and state.handed_off and state.user_id == CITIZEN  # lookups by the id work

    officer = claims_for(registry, "hieptan.canbo")
    status, page = call("GET", "/api/v1/conversations", officer)
    assert status == 200 and [i["conversation_id"] for i in page["items"]] == [state.conversation_id]
    status, _ = call(
        "POST",
        f"/api/v1/conversations/{state.conversation_id}/replies",
        officer,
        {"text": "Chào anh, tôi nghe."},
    )
    assert status == 202
    run_sender()
    sent = zalo.sent[-1]["body"]  # a reply to the citizen's message, or to the citizen by id
    assert sent["message"]["text"] == "Chào anh, tôi nghe."
    assert sent["recipient"] in ({"message_id": "zm-a2"}, {"user_id": CITIZEN})
    status, view = call("GET", f"/api/v1/conversations/{state.conversation_id}", officer)
    assert status == 200 and [m["text"] for m in view["messages"]][-1] == "Chào anh, tôi nghe."

    assert any(item["PK"].startswith("CONV#") for item in _scan())  # the conversation was stored
    assert _leaks(CITIZEN) == [], "\n".join(" ".join(leak) for leak in _leaks(CITIZEN))


def _leaks(user_id: str) -> list[tuple[str, str, str]]:
    """(PK, SK, attribute path) of every key or plain attribute of the table holding the id."""
    return [
        (str(item["PK"]), str(item["SK"]), path)
        for item in _scan()
        for path, text in _plain_strings(item)
        if user_id in text
    ]


def test_follower_campaign_delivery_cap_and_queue_ticket_keep_no_raw_zalo_user_id(
    aws_stack: Any, registry: Any
) -> None:
    from datetime import UTC, date, datetime, timedelta

    from anninh import followers, keys, queueing
    from anninh.campaigns.model import CampaignRequest
    from anninh.campaigns.planner import Planner
    from anninh.campaigns.service import CampaignService
    from anninh.campaigns.store import default_campaign_store, default_deliveries
    from anninh.outbox import OutboundMessage
    from anninh.registry.store import current_registry
    from tests.integration.test_campaign_flow import FakeZalo as CampaignZalo
    from tests.integration.test_campaign_flow import drain, editor, sender

    # The citizen follows the ward's OA and shares their details (the inbound path).
    pipeline = default_pipeline(bot=FakeBot())
    now = int(time.time() * 1000)
    follow = {
        "event_name": "follow",
        "timestamp": str(now),
        "oa_id": OA_ID,
        "user_id_by_app": "app-follower-1",
        "follower": {"id": FOLLOWER},
        "source": "oa_profile",
    }
    pipeline.process(envelope_for(follow))
    record = followers.get_follower(OA_ID, FOLLOWER)
    assert record is not None and record.following and record.user_id == FOLLOWER
    assert [f.user_id for f in followers.iter_followers(OA_ID) if f.user_id == FOLLOWER] == [FOLLOWER]
    stored = aws.table().get_item(Key=keys.follower(OA_ID, FOLLOWER))["Item"]
    assert crypto.is_encrypted(stored["user_id"]) and FOLLOWER not in str(stored["SK"])

    # A promotion campaign (capped per follower) goes out at 10:00 Vietnam time the next day.
    at = (datetime.now(UTC) + timedelta(days=1)).replace(hour=3, minute=0, second=0, microsecond=0)
    service = CampaignService(current_registry(), enqueue=lambda _: None, now=lambda: at)
    campaign = service.create(
        editor(),
        CampaignRequest.model_validate(
            {
                "name": "Cảnh giác lừa đảo",
                "oa_ids": [OA_ID],
                "message": {"text": "Không chuyển tiền cho người lạ."},
                "message_type": "promotion",
            }
        ),
    )
    Planner(now=lambda: at).plan(campaign.id)
    zalo = CampaignZalo()
    worker = sender(zalo, at)
    for batch in drain(aws_stack):
        worker.send_batch(batch)
    assert FOLLOWER in {user for _, user, _, _ in zalo.sent}  # the planner and sender opened the id
    records, _ = default_deliveries().page(campaign.id, OA_ID)
    mine = [r for r in records if r.user_id == FOLLOWER]
    assert [r.status for r in mine] == ["sent"]  # the officers' list opens it for the pseudonym
    assert default_campaign_store().get(campaign.id).sent >= 1
    assert default_deliveries().capped([(OA_ID, FOLLOWER)], at) == 1  # the day's cap is counted

    # A queue number for tomorrow; the evening reminder is sent to the citizen.
    place = queueing.Place(
        place_id="privacy-cccd",
        unit_id="tan-phu",
        name="Điểm thử nghiệm",
        address="1 Đường A",
        capacity=10,
        working_days=[0, 1, 2, 3, 4],
        hours="7:30 - 17:00",
    )
    queueing.service().save_place(place)
    monday = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)
    taken = queueing.service().take_number(
        place, date(2026, 5, 5), oa_id=OA_ID, user_id=FOLLOWER, unit_id="tan-phu", now=monday
    )
    assert taken.ticket is not None
    assert [t.number for t in queueing.service().my_tickets(OA_ID, FOLLOWER, monday)] == [taken.ticket.number]
    reminders: list[OutboundMessage] = []
    queueing.service().remind_tomorrow(datetime(2026, 5, 4, 12, 0, tzinfo=UTC), enqueue=reminders.extend)
    assert [m.user_id for m in reminders if m.key == f"queue-remind:{taken.ticket.ref}"] == [FOLLOWER]

    kinds = {str(item["SK"]).split("#", 1)[0] for item in _scan()}
    assert {"FOLLOWER", "DELIVERY", "DAY", "MONTH", "TICKET", "CITIZEN"} <= kinds  # all were written
    assert _leaks(FOLLOWER) == [], "\n".join(" ".join(leak) for leak in _leaks(FOLLOWER))


def test_a_follower_record_written_before_the_keyed_hash_is_still_read_and_emptied_on_withdrawal(
    aws_stack: Any,
) -> None:
    """No migration: the old record (plain id in its key) still gives the sender its window and the
    unseal its shared info while the citizen has no new record, and a withdrawal erases it there too."""
    from datetime import UTC, datetime, timedelta

    from anninh import followers, keys
    from anninh.clock import iso
    from anninh.followers import seal_info

    user_id = "8400000000000006666"
    at = datetime.now(UTC) - timedelta(days=1)
    old_key = keys.follower_before_hash(OA_ID, user_id)
    assert old_key != keys.follower(OA_ID, user_id)
    aws.table().put_item(
        Item={
            **old_key,
            "type": "follower",
            "oa_id": OA_ID,
            "user_id": user_id,
            "following": True,
            "last_interaction_at": iso(at),
            "GSI1PK": keys.followers_by_interaction_gsi(OA_ID),
            "GSI1SK": iso(at),
            "shared_info": seal_info(OA_ID, user_id, {"name": "Trần Thị Bình", "phone": "0907654321"}),
        }
    )
    old = followers.get_follower(OA_ID, user_id)
    assert old is not None and old.last_interaction_at == iso(at)
    assert old.decrypted_info()["name"] == "Trần Thị Bình"
    sealed = aws.table().get_item(Key=old_key)["Item"]["shared_info"]
    assert followers.service().sealed_record(OA_ID, user_id)["shared_info"] == sealed  # what a reveal opens
    followers.touch_interaction(OA_ID, user_id, datetime.now(UTC))  # a new record, nothing shared on it
    assert aws.table().get_item(Key=keys.follower(OA_ID, user_id))["Item"].get("shared_info") is None
    assert followers.service().sealed_record(OA_ID, user_id)["shared_info"] == sealed

    followers.withdraw(OA_ID, user_id, datetime.now(UTC))
    emptied = aws.table().get_item(Key=old_key)["Item"]
    assert emptied["withdrawn"] is True and emptied["shared_info"] == {}
    new = followers.get_follower(OA_ID, user_id)  # the new record, keyed by the hash, now answers
    assert new is not None and new.withdrawn and new.shared_info == {}
    record = followers.service().sealed_record(OA_ID, user_id)
    assert record is not None and record["PK"] == keys.follower(OA_ID, user_id)["PK"]
    assert record["SK"] == keys.follower(OA_ID, user_id)["SK"] and record["shared_info"] == {}

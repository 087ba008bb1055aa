"""The one send ledger (outbox and campaigns) and the one refresh-and-retry path, on in-memory stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from anninh.campaigns.deliveries import Delivery
from anninh.campaigns.replies import free_replies_open
from anninh.clock import iso
from anninh.outbox import text
from anninh.sending.ledger import epoch_ms, judge, lease_end
from anninh.sending.records import OutboxRecords
from anninh.sending.tiers import ConversationWindows, QuotaLedger
from anninh.zalo.errors import ZaloError
from anninh.zalo.tokens import TokenSession
from tests.fakes.broadcast import MemoryDeliveryStore
from tests.fakes.sending import MemoryConversationTail, MemoryOutboxStore, MemoryQuotaStore

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
OA, USER = "oa-1", "u-1"


# ---------------------------------------------------------------------- the lease rule
def test_a_final_record_is_never_sent_again_and_a_live_lease_is_left_alone() -> None:
    assert judge({"status": "sent"}, NOW, "claimed").state == "done"
    live = {"status": "claimed", "claim_id": "c1", "claim_until": lease_end(NOW, 30)}
    assert judge(live, NOW, "claimed").state == "busy"
    assert judge(None, NOW, "claimed").state == "busy"  # released meanwhile: look again later


def test_an_expired_lease_is_abandoned_in_either_unit() -> None:
    expired = judge({"status": "claimed", "claim_id": "c1", "claim_until": epoch_ms(NOW) - 1}, NOW, "claimed")
    assert expired.state == "abandoned" and expired.claim_id == "c1" and expired.took_over_stale
    # Campaign records claimed before the one ledger carry `lease_until` in seconds.
    old_live = {"status": "claimed", "claim_id": "c2", "lease_until": int(NOW.timestamp()) + 60}
    old_dead = {"status": "claimed", "claim_id": "c3", "lease_until": int(NOW.timestamp()) - 1}
    assert judge(old_live, NOW, "claimed").state == "busy"
    assert judge(old_dead, NOW, "claimed").state == "abandoned"


# ---------------------------------------------------------------------- the outbox side
def test_outbox_claims_once_then_a_dead_senders_claim_is_taken_over() -> None:
    store = MemoryOutboxStore()
    records = OutboxRecords(store)
    msg = text(OA, USER, "Cảm ơn bạn.", key="bot:e1:0")
    first = records.claim(msg, NOW, 60)
    assert first.state == "mine" and first.claimed
    again = records.claim(msg, NOW + timedelta(seconds=30), 60)
    assert not again.claimed and again.state == "busy" and again.status == "sending"
    taken = records.claim(msg, NOW + timedelta(seconds=61), 60)
    assert taken.claimed and taken.took_over_stale
    assert store.items["bot:e1:0"]["attempts"] == 2


def test_outbox_retrying_is_claimed_again_and_sent_is_final() -> None:
    store = MemoryOutboxStore()
    records = OutboxRecords(store)
    msg = text(OA, USER, "Cảm ơn bạn.", key="bot:e1:0")
    records.claim(msg, NOW, 60)
    records.mark_retrying(msg.key, "-32", NOW, 5)
    assert "claim_until" not in store.items[msg.key]
    assert records.claim(msg, NOW + timedelta(seconds=5), 60).state == "mine"
    records.mark_sent(msg.key, "z1", NOW + timedelta(seconds=6), tier="reply", reply_to="m1")
    done = records.claim(msg, NOW + timedelta(hours=1), 60)
    assert done.state == "done" and done.status == "sent" and done.record["message_id"] == "z1"
    assert store.items[msg.key]["tier"] == "reply" and store.items[msg.key]["reply_to"] == "m1"


# ---------------------------------------------------------------------- the campaign side
def test_campaign_claims_follow_the_same_lease_rule() -> None:
    deliveries = MemoryDeliveryStore(lease_seconds=180)
    mine = deliveries.claim("c1", OA, USER, NOW)
    assert mine.state == "mine" and mine.claim_id
    assert deliveries.claim("c1", OA, USER, NOW + timedelta(seconds=179)).state == "busy"
    abandoned = deliveries.claim("c1", OA, USER, NOW + timedelta(seconds=181))
    assert abandoned.state == "abandoned" and abandoned.claim_id == mine.claim_id
    assert deliveries.finish("c1", OA, USER, mine.claim_id, status="sent", now=NOW, message_id="z1")
    assert deliveries.claim("c1", OA, USER, NOW + timedelta(days=1)).state == "done"


def test_a_delivery_record_reads_as_a_typed_record() -> None:
    item = {
        "PK": "CAMPAIGN#c1#OA#oa-1",
        "SK": "DELIVERY#oa-1#u-9",
        "status": "failed",
        "reason": "not_follower",
        "finished_at": iso(NOW),
        "oa_id": "oa-1",
        "user_id": "u-9",  # as the store gives it (opened from its sealed value)
    }
    record = Delivery.from_item(item, "c1")
    assert (record.user_id, record.status, record.reason, record.message_id) == (
        "u-9",
        "failed",
        "not_follower",
        None,
    )
    claimed = Delivery.from_item({"status": "claimed", "user_id": "u-1", "lease_until": 100}, "c1")
    assert claimed.claim_until == 100_000


# ---------------------------------------------------------------------- one refresh-and-retry path
class Tokens:
    def __init__(self) -> None:
        self.refreshes = 0

    def access_token(self, oa_id: str) -> str:
        return "A0"

    def refresh(self, oa_id: str, stale_access_token: str) -> str:
        self.refreshes += 1
        return f"A{self.refreshes}"


def zalo_error(code: int) -> ZaloError:
    return ZaloError.from_response(code, f"e{code}", "message/cs")


def test_a_refused_token_is_refreshed_once_and_the_call_repeated() -> None:
    tokens = Tokens()
    seen: list[str] = []

    def send(token: str) -> str:
        seen.append(token)
        if token == "A0":
            raise zalo_error(-216)
        return "sent"

    assert TokenSession(tokens, OA).call(send) == "sent"
    assert seen == ["A0", "A1"] and tokens.refreshes == 1


def test_a_second_refusal_is_raised_without_another_refresh() -> None:
    tokens = Tokens()
    session = TokenSession(tokens, OA)

    def refused(token: str) -> str:
        raise zalo_error(-216)

    with pytest.raises(ZaloError):
        session.call(refused)
    assert tokens.refreshes == 1
    with pytest.raises(ZaloError):
        session.call(refused)  # later calls of the same delivery do not refresh again
    assert tokens.refreshes == 1


def test_other_errors_do_not_refresh() -> None:
    tokens = Tokens()

    def limited(token: str) -> str:
        raise zalo_error(-32)

    with pytest.raises(ZaloError):
        TokenSession(tokens, OA).call(limited)
    assert tokens.refreshes == 0


# ---------------------------------------------------------------------- tiers and quota on the stores
def test_reply_window_and_proactive_ledger_on_their_stores() -> None:
    log = MemoryConversationTail()
    log.add(OA, USER, "in", iso(NOW - timedelta(hours=3)), "m1")
    log.add(OA, USER, "out", iso(NOW - timedelta(hours=2)))
    window = ConversationWindows(log).window(OA, USER)
    assert window.message_id == "m1" and window.used == 1 and window.free_left(NOW) == 7
    ledger = QuotaLedger(MemoryQuotaStore())
    assert ledger.count_proactive(OA, "k1", NOW) is True
    assert ledger.count_proactive(OA, "k1", NOW) is False  # a redelivery is not counted twice
    ledger.count_proactive(OA, "bc:c1:b1:u1", NOW, n=3)
    assert ledger.used(OA, "2026-11") == 4


def test_open_free_replies_count_recent_conversations_with_replies_left() -> None:
    from anninh.campaigns.audience import AudienceFilter, AudiencePage
    from anninh.campaigns.eligibility import AudienceMember

    class Audience:
        def __init__(self) -> None:
            self.filters: list[AudienceFilter] = []

        def page(
            self, oa_id: str, flt: AudienceFilter, now: datetime, cursor: Any, limit: int = 1000
        ) -> AudiencePage:
            self.filters.append(flt)
            users = ["u-1", "u-2", "u-3"]
            return AudiencePage([AudienceMember(user_id=u) for u in users], cursor=None)

    log = MemoryConversationTail()
    log.add(OA, "u-1", "in", iso(NOW - timedelta(hours=1)), "m1")  # free replies left
    log.add(OA, "u-2", "in", iso(NOW - timedelta(hours=49)), "m2")  # the window closed
    for _ in range(8):
        log.add(OA, "u-3", "out", iso(NOW))  # all 8 used
    audience = Audience()
    assert free_replies_open(OA, NOW, audience=audience, windows=ConversationWindows(log)) == 1
    assert audience.filters[0].since(NOW) == NOW - timedelta(hours=48)


# ---------------------------------------------------------------------- kept for the officers
@pytest.fixture
def sealed() -> Any:
    from anninh import crypto
    from tests.fakes.kms import FakeKms

    crypto.reset_crypto_caches()
    crypto.encrypt_text("prime", FakeKms())  # the data key every seal in this test uses (no KMS call)
    yield
    crypto.reset_crypto_caches()


def test_a_message_not_sent_is_kept_sealed_for_the_units_officers_newest_first(sealed: Any) -> None:
    from anninh.sending.records import CAUSE_LABELS, list_undelivered

    store = MemoryOutboxStore()
    records = OutboxRecords(store)
    first = text(OA, USER, "Mời anh lên phường", key="officer:r1", origin="officer", case_id="c-1")
    second = text(OA, USER, "Nhắc lịch hẹn", key="system:s1", origin="system")
    silent = text(OA, USER, "Tin nội bộ", key="system:s2", origin="system", keep_for_officer=False)
    for n, msg in enumerate((first, second, silent)):
        records.claim(msg, NOW, 60)
        records.mark_final(
            msg=msg,
            status="failed",
            cause="quota",
            reason="-211",
            at=NOW + timedelta(minutes=n),
            unit_id="p-1",
        )
    assert "Nhắc lịch hẹn" not in str(store.items["system:s1"]["message"])  # sealed at rest
    kept = list_undelivered("p-1", store=store)
    assert [k["key"] for k in kept] == ["system:s1", "officer:r1"]  # not the one the producer let go
    assert kept[1]["message"] == {"text": "Mời anh lên phường"} and kept[1]["case_id"] == "c-1"
    assert kept[0]["label"] == CAUSE_LABELS["quota"] and "claim_until" not in store.items["system:s1"]


# ---------------------------------------------------------------------- delivery pages for officers
def test_officers_read_one_oas_typed_delivery_records_page_by_page() -> None:
    from anninh.campaigns.service import CampaignError, CampaignService
    from anninh.campaigns.store import CampaignNotFound
    from anninh.registry import OA as RegistryOA
    from anninh.registry import App, Registry, Unit
    from tests.fakes.broadcast import MemoryCampaignStore

    registry = Registry(
        apps=[App(app_id="app", app_secret="s", oa_secret_key="k")],
        units=[
            Unit(unit_id="p-1", name="Phường 1", kind="ward"),
            Unit(unit_id="p-2", name="Phường 2", kind="ward"),
        ],
        oas=[
            RegistryOA(oa_id="oa-1", app_id="app", name="OA 1", unit_id="p-1"),
            RegistryOA(oa_id="oa-2", app_id="app", name="OA 2", unit_id="p-1"),
        ],
    )
    item = {
        "id": "c1",
        "name": "Họp tổ dân phố",
        "kind": "text",
        "message_type": "cs",
        "status": "running",
        "oa_ids": ["oa-1", "oa-2"],
        "unit_id": "p-1",
        "created_by": "p1.chihuy",
        "created_at": iso(NOW),
        "message": {"text": "Mời họp"},
        "total": 3,
    }
    deliveries = MemoryDeliveryStore()
    deliveries.record("c1", "oa-1", "u-a", status="skipped", reason="follower_cap", now=NOW)
    deliveries.record("c1", "oa-1", "u-b", status="failed", reason="not_follower", now=NOW)
    deliveries.record("c1", "oa-2", "u-c", status="skipped", reason="follower_cap", now=NOW)
    store: Any = MemoryCampaignStore(item)

    class NoAudience:  # reading delivery records never pages through followers
        def page(self, *args: Any, **kwargs: Any) -> Any:
            raise AssertionError("the audience is not read")

    service = CampaignService(
        registry, store=store, deliveries=deliveries, audience=NoAudience(), enqueue=lambda _: None
    )

    class Caller:
        username, unit_id, visible_units = "p1.canbo", "p-1", ("p-1",)

        def has_role(self, *roles: str) -> bool:
            return "officer" in roles

    first = service.deliveries_page(Caller(), "c1", limit=1)  # the campaign's first OA unless named
    assert first.oa_id == "oa-1" and first.unit_id == "p-1" and first.oa_ids == ["oa-1", "oa-2"]
    assert [(d.user_id, d.status, d.reason) for d in first.records] == [("u-a", "skipped", "follower_cap")]
    rest = service.deliveries_page(Caller(), "c1", cursor=first.next_cursor, limit=1)
    assert [d.user_id for d in rest.records] == ["u-b"] and rest.next_cursor is None
    failed = service.deliveries_page(Caller(), "c1", oa_id="oa-2", status="failed")
    assert failed.records == []
    with pytest.raises(CampaignError):
        service.deliveries_page(Caller(), "c1", oa_id="oa-9")  # not an OA of this campaign

    class Stranger(Caller):
        username, unit_id, visible_units = "p2.canbo", "p-2", ("p-2",)

    with pytest.raises(CampaignNotFound):
        service.deliveries_page(Stranger(), "c1")  # another ward does not learn the campaign exists

"""The broadcast sender's decisions, with in-memory stores and a scripted Zalo (no AWS, no sockets)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from anninh.campaigns.model import Batch, CampaignRequest
from anninh.campaigns.sender import BroadcastSender
from anninh.ratelimit import DynamoBucketStore, RateLimiter
from anninh.registry import Registry
from anninh.zalo.errors import TokenUnavailableError, ZaloError
from tests.fakes.broadcast import MemoryBucketTable, MemoryCampaignStore, MemoryDeliveryStore

OA = "2200000000000000001"
DAY = datetime(2026, 5, 4, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam
NIGHT = datetime(2026, 5, 4, 16, 0, tzinfo=UTC)  # 23:00 in Vietnam


class ScriptedZalo:
    """Answers each send from a script of outcomes (an exception, or None for success)."""

    def __init__(self, script: dict[str, list[Exception | None]] | None = None) -> None:
        self.script = script or {}
        self.delivered: list[str] = []
        self.templates: list[tuple[str, str]] = []

    def _next(self, user_id: str) -> None:
        outcomes = self.script.get(user_id) or []
        outcome = outcomes.pop(0) if outcomes else None
        if outcome is not None:
            raise outcome

    def send(self, oa_id: str, user_id: str, message: dict[str, Any], message_type: str) -> str:
        self._next(user_id)
        self.delivered.append(user_id)
        return f"m-{user_id}"

    def send_template(
        self, oa_id: str, phone: str, template_id: str, data: dict[str, Any], tracking: str
    ) -> str:
        self._next(phone)
        self.templates.append((phone, template_id))
        return f"z-{phone}"


def campaign_item(**extra: Any) -> dict[str, Any]:
    return {
        "id": "c1",
        "kind": "text",
        "message_type": "cs",
        "status": "running",
        "message": {"text": "Xin chào"},
        "total": 10,
        "planning_done": True,
        "sent": 0,
        "failed": 0,
        "skipped": 0,
        **extra,
    }


class Rig:
    def __init__(self, registry: Registry, zalo: ScriptedZalo, now: datetime = DAY, **item: Any) -> None:
        self.store = MemoryCampaignStore(campaign_item(**item))
        self.deliveries = MemoryDeliveryStore()
        self.table = MemoryBucketTable()
        self.limiter = RateLimiter(4000, store=DynamoBucketStore(self.table), penalty_seconds=0.01)
        self.zalo = zalo
        self.requeued: list[Batch] = []
        self.remaining = 60.0
        self.sender = BroadcastSender(
            registry=registry,
            gateway=zalo,
            limiter=self.limiter,
            store=self.store,  # type: ignore[arg-type]
            deliveries=self.deliveries,
            counter=lambda *a, **k: True,  # type: ignore[arg-type]
            enqueue=self.requeued.extend,
            now=lambda: now,
            remaining_seconds=lambda: self.remaining,
            backoff=lambda attempt: 0.0,
        )

    def send(self, users: list[str], batch_id: str = "c1:0:0:0") -> Any:
        return self.sender.send_batch(Batch(campaign_id="c1", batch_id=batch_id, oa_id=OA, recipients=users))


def test_redelivered_batch_sends_to_nobody_twice(registry: Registry) -> None:
    rig = Rig(registry, ScriptedZalo())
    rig.send(["u1", "u2", "u3"])
    rig.send(["u1", "u2", "u3"])
    assert rig.zalo.delivered == ["u1", "u2", "u3"]
    assert rig.store.item["sent"] == 3


def test_permanent_recipient_errors_are_recorded_with_their_reason_and_not_retried(
    registry: Registry,
) -> None:
    zalo = ScriptedZalo(
        {"u1": [ZaloError(-230, "no interaction")], "u2": [ZaloError(-213, "not a follower")]}
    )
    rig = Rig(registry, zalo)
    rig.send(["u1", "u2", "u3"])
    rig.send(["u1", "u2", "u3"])
    assert zalo.delivered == ["u3"]
    assert rig.store.item["fail_outside_window"] == 1 and rig.store.item["fail_not_follower"] == 1
    assert rig.store.item["failed"] == 2


def test_minus_32_and_refused_connections_are_retried_and_pause_the_app(registry: Registry) -> None:
    zalo = ScriptedZalo(
        {
            "u1": [ZaloError(-32, "rate limit")],
            "u2": [
                ZaloError(-1001, "connection refused", "transient"),
                ZaloError(-1001, "again", "transient"),
            ],
        }
    )
    rig = Rig(registry, zalo)
    result = rig.send(["u1", "u2"])
    assert not result.retry
    assert zalo.delivered == ["u1", "u2"]
    assert rig.table.items["RATE#1100000000000000001"]["blocked_until"]  # every sender of the app paused


def test_an_answer_lost_after_sending_is_never_resent(registry: Registry) -> None:
    zalo = ScriptedZalo({"u1": [ZaloError(-1001, "read timeout", "transient", maybe_delivered=True)]})
    rig = Rig(registry, zalo)
    rig.send(["u1", "u2"])
    rig.send(["u1", "u2"])
    assert zalo.delivered == ["u2"]
    assert rig.store.item["fail_outcome_unknown"] == 1


class AskableZalo(ScriptedZalo):
    """Also answers "did this message arrive?" (ZaloGateway.find_sent): from `arrived`, or None."""

    def __init__(self, script: dict[str, list[Exception | None]], arrived: dict[str, bool | None]) -> None:
        super().__init__(script)
        self.arrived = arrived
        self.asked: list[str] = []

    def find_sent(
        self, oa_id: str, user_id: str, message: dict[str, Any], since_ms: int
    ) -> str | bool | None:
        self.asked.append(user_id)
        found = self.arrived.get(user_id)
        return f"m-found-{user_id}" if found else found


def test_a_lost_answer_is_reconciled_by_asking_zalo(registry: Registry) -> None:
    lost = ZaloError(-1001, "read timeout", "transient", maybe_delivered=True)
    zalo = AskableZalo({"u1": [lost], "u2": [lost], "u3": [lost]}, {"u1": True, "u2": False, "u3": None})
    rig = Rig(registry, zalo)
    rig.send(["u1", "u2", "u3"])
    assert zalo.asked == ["u1", "u2", "u3"]
    assert zalo.delivered == ["u2"]  # u1 had arrived; u2 had not (sent again); u3 nobody can tell
    assert rig.store.item["sent"] == 2 and rig.store.item["fail_outcome_unknown"] == 1


def test_a_claim_abandoned_by_a_dead_sender_is_reconciled_when_zalo_can_tell(registry: Registry) -> None:
    zalo = AskableZalo({}, {"u1": True, "u2": False})
    rig = Rig(registry, zalo)
    rig.deliveries.claim("c1", OA, "u1", DAY - timedelta(hours=1))
    rig.deliveries.claim("c1", OA, "u2", DAY - timedelta(hours=1))
    rig.send(["u1", "u2"])
    assert zalo.delivered == ["u2"] and rig.store.item["sent"] == 2


def test_a_claim_held_by_a_live_sender_is_left_alone_and_the_batch_retried(registry: Registry) -> None:
    rig = Rig(registry, ScriptedZalo())
    rig.deliveries.claim("c1", OA, "u1", DAY)  # another sender is sending to u1 right now
    result = rig.send(["u1", "u2"])
    assert result.retry and rig.zalo.delivered == ["u2"]


def test_a_claim_abandoned_by_a_dead_sender_becomes_outcome_unknown(registry: Registry) -> None:
    rig = Rig(registry, ScriptedZalo())
    rig.deliveries.claim("c1", OA, "u1", DAY - timedelta(hours=1))  # its lease ran out long ago
    result = rig.send(["u1", "u2"])
    assert not result.retry and rig.zalo.delivered == ["u2"]
    assert rig.store.item["fail_outcome_unknown"] == 1


def test_an_oa_error_fails_the_rest_of_the_batch_without_calling_zalo(registry: Registry) -> None:
    zalo = ScriptedZalo({"u1": [ZaloError(-224, "package upgrade needed")]})
    rig = Rig(registry, zalo)
    rig.send(["u1", "u2", "u3"])
    assert zalo.delivered == []
    assert rig.store.item["fail_oa_error"] == 3


def test_an_oa_without_a_token_fails_with_oa_token(registry: Registry) -> None:
    zalo = ScriptedZalo({"u1": [TokenUnavailableError(OA, "not connected")]})
    rig = Rig(registry, zalo)
    rig.send(["u1", "u2"])
    assert rig.store.item["fail_oa_token"] == 2


def test_paused_and_cancelled_campaigns_send_nothing(registry: Registry) -> None:
    paused = Rig(registry, ScriptedZalo(), status="paused")
    assert paused.send(["u1"]).parked and paused.store.parked_batches
    cancelled = Rig(registry, ScriptedZalo(), status="cancelled")
    cancelled.send(["u1"])
    assert paused.zalo.delivered == cancelled.zalo.delivered == []


def test_promotions_in_quiet_hours_are_parked_until_six(registry: Registry) -> None:
    rig = Rig(registry, ScriptedZalo(), now=NIGHT, message_type="promotion")
    assert rig.send(["u1"]).parked
    assert rig.zalo.delivered == []


def test_out_of_time_the_rest_of_the_batch_continues_in_another_invocation(registry: Registry) -> None:
    rig = Rig(registry, ScriptedZalo())
    calls = {"n": 0}

    def remaining() -> float:
        calls["n"] += 1
        return 60.0 if calls["n"] <= 2 else 1.0

    rig.sender.remaining_seconds = remaining
    result = rig.send(["u1", "u2", "u3", "u4"])
    assert rig.zalo.delivered == ["u1", "u2"]
    assert result.continued == 2 and rig.requeued[0].recipients == ["u3", "u4"]
    assert rig.requeued[0].batch_id == "c1:0:0:0+2"


def test_zns_campaigns_send_templates_to_phone_numbers(registry: Registry) -> None:
    rig = Rig(
        registry,
        ScriptedZalo(),
        kind="zns",
        message_type="promotion",
        spec={"template_id": "T1", "template_data": {"ten": "An"}},
    )
    rig.send(["84901234567"])
    assert rig.zalo.templates == [("84901234567", "T1")]


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ({"message": {"text": "x"}}, "text"),
        ({"message": {"text": "x", "image_url": "https://a.vn/i.jpg"}}, "image"),
        ({"message": {"text": "x", "button": {"title": "Xem", "url": "https://a.vn"}}}, "link"),
        ({"message": {"article_id": "a1"}}, "article"),
        ({"message": {"template_id": "T"}, "phones": ["0901234567"]}, "zns"),
    ],
)
def test_campaign_kinds_are_inferred_from_the_message(body: dict[str, Any], kind: str) -> None:
    request = CampaignRequest.model_validate({"name": "n", "oa_ids": [OA], **body})
    assert request.kind == kind
    if kind == "zns":
        assert request.phones == ["84901234567"] and request.message_type == "promotion"


@pytest.mark.parametrize(
    "body",
    [
        {"name": "n", "oa_ids": [OA], "message": {"text": ""}},
        {"name": "n", "message": {"text": "x"}},
        {"name": "n", "oa_ids": [OA], "message": {"text": "x"}, "send_at": "2026-05-01T08:00:00"},
        {"name": "n", "oa_ids": [OA], "message": {"text": "x" * 2001}},
        {"name": "n", "oa_ids": [OA], "message": {"template_id": "T"}, "phones": ["12"]},
    ],
)
def test_bad_campaigns_are_refused(body: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        CampaignRequest.model_validate(body)

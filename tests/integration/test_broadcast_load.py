"""Done-when for broadcasts, through the real functions: the CampaignPlannerFunction handler plans
from its queue message; four concurrent senders (threads calling the BroadcastSenderFunction handler
with SQS batches received from the moto queue, deleting what the handler reports done) send to a
simulated Zalo whose app-wide limit is 600/min, on a clock running 1.5x faster than real time.

- clean run: the campaign completes with zero -32 caused by us and never more than the limit in any
  minute; each follower exactly once. (moto manages only a few dozen calls a second here, and the
  achieved rate depends on how loaded the machine is, so the rate figure of >= 95 % of the limit is
  measured at 10,000 followers by `make bench`, with the stores in memory; no test asserts it.)
- faults: injected -32s, refused connections, an answer lost after delivery and senders killed right
  after Zalo accepted a message, with SQS redelivery: every follower receives it exactly once.

Scale: 150 followers per run, the smallest that still proves these claims: four senders take
overlapping batches for the whole run, and the faults (spread over the first ~75 sends) all land
mid-campaign with sends after them. The limit held over several minutes of sends is proven with
in-memory stores (1,500 sends at 600/min, tests/unit/test_campaign_load.py) and measured by `make bench`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from anninh import aws
from anninh.api.auth import Principal
from anninh.campaigns import deliveries, runtime
from anninh.campaigns import sender as sender_module
from anninh.campaigns.gateway import ZaloGateway
from anninh.campaigns.model import CampaignRequest
from anninh.campaigns.service import CampaignService
from anninh.campaigns.store import default_campaign_store
from anninh.clock import utcnow
from anninh.ratelimit import RateLimiter
from anninh.registry.store import current_registry
from anninh.zalo.client import ZaloClient
from localcloud.lambdas import LambdaContext, load_handler, spec_for
from tests.fakes.broadcast import FakeTokens, ScaledClock, SenderPool, SimulatedZalo, seed_followers

pytestmark = pytest.mark.slow

LIMIT = 600
FACTOR = 1.5
# Two OAs of the demo app: the limit is shared across them.
OAS = ["2200000000000000001", "2200000000000000002"]


def editor() -> Principal:
    registry = current_registry()
    return Principal(
        username="tanphu.bientap",
        unit_id="tan-phu",
        roles=frozenset({"editor"}),
        visible_units=tuple(registry.subtree("tan-phu")),
    )


@pytest.fixture
def rig(aws_stack: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    clock = ScaledClock(FACTOR)
    zalo = SimulatedZalo(limit_per_minute=LIMIT, clock=clock)
    gateway = ZaloGateway(client=ZaloClient(transport=zalo.transport()), tokens=FakeTokens())  # type: ignore[arg-type]
    per_lambda = threading.local()  # every concurrent "Lambda" has its own limiter object

    def limiter() -> RateLimiter:
        if not hasattr(per_lambda, "limiter"):
            per_lambda.limiter = RateLimiter(LIMIT, clock=clock, penalty_seconds=5.0)
        return per_lambda.limiter

    monkeypatch.setattr(runtime, "_gateway", lambda: gateway)
    monkeypatch.setattr(runtime, "_limiter", limiter)
    # Real-time bounds, scaled like production's (function timeout 90 s < lease 180 s < visibility
    # 540 s): a sender gives up its batch well before the lease ends, redelivery comes after it.
    monkeypatch.setattr(deliveries, "LEASE_SECONDS", 15)
    # moto's in-process DynamoDB deep-copies every table on each transaction and is not thread-safe
    # then: the statistics transaction (once per batch) is counted in memory here and exercised
    # against moto in test_campaign_flow.py.
    counted: dict[str, int] = {}
    lock = threading.Lock()

    def count(event_key: str, oa_id: str, unit_id: str, at: Any = None, **inc: int) -> bool:
        with lock:
            if event_key in counted:
                return False
            counted[event_key] = inc.get("broadcast_sent", 0)
            return True

    monkeypatch.setattr(sender_module, "_default_counter", count)
    yield {"clock": clock, "zalo": zalo, "deployment": aws_stack, "counted": counted}


def _campaign(count: int, *, outside_window: int = 0) -> tuple[str, list[tuple[str, str]]]:
    now = utcnow()
    eligible = seed_followers(aws.table(), OAS, count, now, outside_window=outside_window, unfollowed=3)
    ids: list[str] = []
    service = CampaignService(current_registry(), enqueue=ids.append)
    campaign = service.create(
        editor(),
        CampaignRequest.model_validate(
            {
                "name": "Cảnh báo lừa đảo qua mạng",
                "oa_ids": OAS,
                "message": {"text": "Công an quận Tân Phú cảnh báo: không cung cấp mã OTP cho bất kỳ ai."},
            }
        ),
    )
    assert ids == [campaign.id]
    # The planner function takes the campaign from its queue.
    planner = load_handler(spec_for("CampaignPlannerFunction"))
    event = {
        "Records": [
            {
                "messageId": "m1",
                "receiptHandle": "r1",
                "body": f'{{"campaign_id": "{campaign.id}"}}',
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:x:0:c",
                "awsRegion": "ap-southeast-1",
            }
        ]
    }
    assert planner(event, LambdaContext("planner", 150)) == {"batchItemFailures": []}
    return campaign.id, eligible


def _send_all(rig: dict[str, Any], campaign_id: str, timeout: float) -> SenderPool:
    store = default_campaign_store()
    pool = SenderPool(
        handler=load_handler(spec_for("BroadcastSenderFunction")),
        context_factory=lambda: LambdaContext("broadcast-sender", 14),
        sqs=aws.client("sqs"),
        queue_url=rig["deployment"].queue_urls["BroadcastQueue"],
        threads=4,
        per_call=1,
        visibility=16,
    )
    pool.run(lambda: store.get_item(campaign_id, consistent=False).get("status") == "done", timeout)
    return pool


def test_four_senders_through_the_handler_never_exceed_the_limit(rig: dict[str, Any]) -> None:
    count = 150
    campaign_id, eligible = _campaign(count, outside_window=20)
    _send_all(rig, campaign_id, timeout=90)

    zalo: SimulatedZalo = rig["zalo"]
    campaign = default_campaign_store().get(campaign_id)
    assert campaign.status == "done"
    assert (campaign.total, campaign.sent, campaign.failed, campaign.skipped) == (count + 23, count, 0, 23)
    assert campaign.skipped_reasons == {"outside_window": 20, "unfollowed": 3}
    assert zalo.limited == 0, "we caused -32 responses"
    assert all(zalo.received[pair] == 1 for pair in eligible)
    assert sum(zalo.received.values()) == count
    assert zalo.max_in_any_minute() <= LIMIT
    assert sum(rig["counted"].values()) == count  # broadcast_sent statistics
    print(f"\nbroadcast via handlers: {count} sends at {zalo.rate_fraction():.1%} of {LIMIT}/min")


def test_every_follower_gets_it_exactly_once_despite_faults_and_a_killed_sender(rig: dict[str, Any]) -> None:
    count = 150
    zalo: SimulatedZalo = rig["zalo"]
    campaign_id, eligible = _campaign(count)
    zalo.inject("-32", 2)
    zalo.inject("connect", 3)
    zalo.inject("read_timeout", 1)
    zalo.inject("kill", 1)
    # Spread later faults through the run (queue order = request order).
    for _ in range(60):
        zalo.faults.append("ok")
    zalo.inject("kill", 1)
    zalo.inject("connect", 2)
    zalo.inject("-32", 1)

    pool = _send_all(rig, campaign_id, timeout=100)

    campaign = default_campaign_store().get(campaign_id)
    assert pool.crashes == 2 and pool.errors == 0
    assert campaign.status == "done"
    assert zalo.limited == 0
    # Every follower received the campaign, and nobody twice.
    assert sorted(pair for pair, n in zalo.received.items() if n) == sorted(eligible)
    assert set(zalo.received.values()) == {1}
    # The two crashed sends and the lost answer cannot be confirmed: reported, never resent.
    assert campaign.failed_reasons == {"outcome_unknown": 3}
    assert (campaign.sent, campaign.failed, campaign.total) == (count - 3, 3, count + 3)
    assert campaign.skipped_reasons == {"unfollowed": 3}

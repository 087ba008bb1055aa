"""Figures for `make bench` (section "broadcast").

- planner: AWS calls per 1,000 recipients, planning a 10,000-follower campaign over two OAs in the
  in-process AWS emulation (calls counted with a botocore hook: queries, SendMessageBatch,
  checkpoints);
- sending: 10,000 followers sent by four concurrent BroadcastSenders sharing one limiter bucket
  against the simulated Zalo (600/min on a clock running 8x faster): achieved rate as a fraction of
  the limit, -32s caused by us, duplicates, DynamoDB calls per message;
- projection: time for Tân Phú's 157,200 followers at the real 4,000/min at that fraction.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from typing import Any

TAN_PHU_FOLLOWERS = 157_200
REAL_LIMIT = 4000


def planner_calls(followers: int = 10_000) -> dict[str, Any]:
    from moto import mock_aws

    from anninh import aws
    from anninh.campaigns.planner import Planner
    from anninh.campaigns.store import default_campaign_store
    from anninh.clock import iso
    from anninh.settings import reset_settings
    from localcloud.resources import deploy
    from tests.fakes.broadcast import seed_followers

    saved = dict(os.environ)
    try:
        with mock_aws():
            os.environ.update(
                {
                    "AWS_ACCESS_KEY_ID": "testing",
                    "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_DEFAULT_REGION": "ap-southeast-1",
                    "AWS_REGION": "ap-southeast-1",
                }
            )
            os.environ.pop("AWS_ENDPOINT_URL", None)
            deployment = deploy(parameters={"Stage": "dev"})
            os.environ.update(deployment.environment())
            reset_settings()
            aws.reset_clients()
            now = datetime.now(UTC)
            oas = ["2200000000000000001", "2200000000000000002"]
            seed_followers(aws.table(), oas, followers, now)
            store = default_campaign_store()
            store.create(
                {
                    "id": "bench",
                    "type": "campaign",
                    "name": "bench",
                    "kind": "text",
                    "message_type": "cs",
                    "status": "scheduled",
                    "oa_ids": oas,
                    "message": {"text": "x"},
                    "unit_id": "tan-phu",
                    "created_by": "bench",
                    "created_at": iso(now),
                    "send_at": iso(now),
                }
            )
            calls: dict[str, int] = {}

            def count(event_name: str, **_: Any) -> None:
                op = event_name.rsplit(".", 1)[-1]
                calls[op] = calls.get(op, 0) + 1

            aws.table().meta.client.meta.events.register("before-call", count)
            aws.client("sqs").meta.events.register("before-call", count)
            started = time.perf_counter()
            result = Planner(now=lambda: now).plan("bench")
            seconds = time.perf_counter() - started
            total = sum(calls.values())
            return {
                "recipients": result.recipients,
                "batches": result.batches,
                "pages": result.pages,
                "aws_calls": total,
                "aws_calls_by_operation": calls,
                "aws_calls_per_1000_recipients": round(total * 1000 / max(1, result.recipients), 2),
                "planning_seconds_in_moto": round(seconds, 1),
            }
    finally:
        os.environ.clear()
        os.environ.update(saved)
        reset_settings()
        aws.reset_clients()


def bench_broadcast(followers: int = 10_000) -> dict[str, Any]:
    from tests.fakes.broadcast import run_memory_load

    planner = planner_calls(followers)
    sending = run_memory_load(followers, limit=600, factor=8.0, senders=4, timeout=600)
    fraction = float(sending["rate_fraction"])
    minutes = TAN_PHU_FOLLOWERS / (REAL_LIMIT * fraction) if fraction else None
    return {
        "planner": planner,
        "sending": sending,
        "achieved_rate_fraction_of_limit": fraction,
        "projected_minutes_for_157200_followers_at_4000_per_min": round(minutes, 1) if minutes else None,
        "ideal_minutes_at_the_limit": round(TAN_PHU_FOLLOWERS / REAL_LIMIT, 1),
    }

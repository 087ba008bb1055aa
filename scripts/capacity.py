"""Capacity and monthly cost of An Ninh OA for the seed district, one city and the nation.

    python -m scripts.capacity                      # all three sizes, model + simulation at CI scale
    python -m scripts.capacity --size city          # one size (make capacity SIZE=city)
    python -m scripts.capacity --size city --scale 50 --json capacity.json
    python -m scripts.capacity --bench bench.json   # AWS calls per inbound message from `make bench`

For each size it prints: the Zalo apps needed and how the OAs are spread over them, the simulated
evening broadcast to every follower (the real planner, senders and limiter on a virtual clock, see
`scripts/capacity_sim.py`) before and after the design changes, the hottest DynamoDB keys in write
units per second, the Lambda concurrency needed, the first limit each part meets, and the monthly
cost. docs/capacity.md explains the figures and their sources.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

# Before anything imports `anninh.observability` (scripts.capacity_calls runs the real functions).
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "AnNinhOA")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "anninh")

from anninh.campaigns.apps import apps_needed, sends_per_minute, spread_oas

ROOT = Path(__file__).resolve().parents[1]
PRICES_READ_ON = "2026-11-29"


@dataclass(frozen=True)
class Size:
    name: str
    units: int
    oas: int
    followers: int
    largest_oa: int  # followers of the biggest single OA (a city or province OA)
    tips_per_hour_peak: int
    inbound_per_follower_month: float  # citizen messages a month per follower (input)
    broadcasts_per_month: int  # broadcasts to every follower (Zalo allows 4 a month per follower)
    officers: int
    scale: int  # default simulation scale (1/scale of the followers)
    simulate: bool = True  # the nation stays on paper: its senders exceed one account's Lambda quota


SIZES: dict[str, Size] = {
    "seed": Size("seed", 18, 18, 157_200, 30_000, 3, 0.10, 4, 60, 20),
    "city": Size("city", 168, 200, 5_000_000, 400_000, 30, 0.10, 4, 1_000, 100),
    "nation": Size("nation", 3_321, 3_955, 60_000_000, 400_000, 360, 0.10, 4, 20_000, 2_000, False),
}

BROADCAST_MINUTES = 120  # an evening broadcast from 19:30 must end before quiet hours (22:00)
ZALO_LIMIT_PER_MINUTE = 4000
ZALO_LATENCY_S = 0.15  # one send to Zalo from ap-southeast-1 (input: not measured here)
DYNAMODB_LATENCY_S = 0.006  # one DynamoDB call in-region (AWS: single-digit milliseconds)
CURRENT_SENDER_CONCURRENCY = 12  # template.yaml: BroadcastSenderConcurrency default (one app)


def follower_counts(size: Size, seed: int = 19) -> dict[str, int]:
    """A made-up but realistic split: one big OA (city/province), the rest log-normal."""
    rng = random.Random(seed)
    rest = size.oas - 1
    weights = [rng.lognormvariate(0.0, 0.6) for _ in range(rest)]
    remaining = size.followers - size.largest_oa
    counts = [max(100, int(remaining * w / sum(weights))) for w in weights]
    counts[0] += remaining - sum(counts)
    out = {"oa00000": size.largest_oa}
    out.update({f"oa{i + 1:05d}": c for i, c in enumerate(counts)})
    return out


INBOUND_SECONDS = 0.6  # Lambda seconds per inbound message over webhook, intake and reply (input)
PEAK_HOUR_FACTOR = 3.0  # the busiest hour against the average hour (input)


def inbound_peak_rate(size: Size) -> float:
    """Citizen messages a second in the busiest hour."""
    return size.followers * size.inbound_per_follower_month / 30 / 86400 * PEAK_HOUR_FACTOR


def senders_needed(messages_per_second: float, calls_per_message: float) -> int:
    """Little's law: senders busy = rate x seconds a sender spends on one message."""
    per_message = ZALO_LATENCY_S + calls_per_message * DYNAMODB_LATENCY_S
    return max(2, math.ceil(messages_per_second * per_message * 1.1))


# ---------------------------------------------------------------------- published limits (sources)
LIMITS = {
    "zalo_app_per_minute": (4000, "Zalo OA API: 4,000 requests a minute per app (docs/zalo-platform.md)"),
    "ddb_partition_wcu": (
        1000,
        "DynamoDB: 1,000 write units/s per partition (Developer Guide, warm throughput)",
    ),
    "ddb_partition_rcu": (3000, "DynamoDB: 3,000 read units/s per partition (same page)"),
    "ddb_on_demand_warm_wcu": (
        4000,
        "DynamoDB: a new on-demand table starts warm at 4,000 WRU/s, 12,000 RRU/s",
    ),
    "lambda_account": (1000, "Lambda: 1,000 concurrent executions per account and Region by default"),
    "sqs_esm_max_concurrency": (1000, "Lambda SQS event source MaximumConcurrency: 2-1,000"),
    "sqs_fifo_tps": (300, "SQS FIFO: 300 transactions/s per API action (3,000 messages/s batched)"),
    "sqs_fifo_high_tps": (70000, "SQS FIFO high throughput: up to 70,000 transactions/s in large Regions"),
    "apigw_http_rps": (10000, "API Gateway: 10,000 requests/s per account and Region (burst 5,000)"),
    "secrets_get_tps": (10000, "Secrets Manager: GetSecretValue 10,000 requests/s"),
    "kms_symmetric_tps": (
        10000,
        "KMS: cryptographic operations (symmetric) 5,500-100,000 requests/s shared per Region",
    ),
    "cognito_auth_rps": (120, "Cognito user pools: UserAuthentication 120 requests/s (adjustable)"),
}

# ---------------------------------------------------------------------- prices (USD, ap-southeast-1)
# Read on PRICES_READ_ON from the AWS pricing pages; see docs/capacity.md for which are confirmed
# for ap-southeast-1 and which are the us-east-1 list price used as the input.
PRICES = {
    "lambda_gb_s": 0.0000166667,
    "lambda_request": 0.20 / 1e6,
    "ddb_write_unit": 0.7125 / 1e6,
    "ddb_read_unit": 0.1425 / 1e6,
    "ddb_storage_gb_month": 0.285,
    "sqs_standard_request": 0.40 / 1e6,
    "sqs_fifo_request": 0.50 / 1e6,
    "http_api_request": 1.00 / 1e6,  # first 300 M a month
    "secrets_secret_month": 0.40,
    "secrets_per_10k_calls": 0.05,
    "kms_key_month": 1.00,
    "kms_per_10k_requests": 0.03,
    "logs_ingest_gb": 0.70,
    "cognito_mau_over_free": 0.0055,  # Essentials tier, after the free MAUs (input)
}
# Zalo's price per promotion message is not on a public price list: an input (--zalo-vnd), 0 by default.


def calls_from_bench(path: Path | None) -> dict[str, Any]:
    """AWS calls per inbound message end to end, from `make bench`'s JSON when there is one."""
    fallback = {
        "webhook": 2.0,  # PutItem receipt + SendMessage (docs/benchmarks.md, 2026-11-28)
        "intake_and_reply": 5.0,  # outbox sender per reply (docs/benchmarks.md, 2026-11-28)
        "source": "docs/benchmarks.md figures of 2026-11-28 (no bench JSON given)",
    }
    if path is None or not path.exists():
        return fallback
    data = json.loads(path.read_text(encoding="utf-8"))
    end_to_end = _find(data, "end_to_end")
    webhook = _find(data.get("webhook", {}), "aws_calls_per_event")
    sending = _find(data.get("sending", {}), "aws_calls_per_message")
    if isinstance(end_to_end, (int, float)):
        return {"end_to_end": float(end_to_end), "source": f"{path} (end to end)"}
    return {
        "webhook": float(webhook) if isinstance(webhook, (int, float)) else fallback["webhook"],
        "intake_and_reply": float(sending)
        if isinstance(sending, (int, float))
        else fallback["intake_and_reply"],
        "source": str(path),
    }


def _find(data: Any, needle: str) -> Any:
    """The first number under a key containing `needle` (the bench's JSON nests its figures)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if needle in str(key) and isinstance(value, (int, float)):
                return value
        for value in data.values():
            found = _find(value, needle)
            if found is not None:
                return found
    return None


def monthly_cost(
    size: Size, broadcast: dict[str, Any], inbound: dict[str, Any], zalo_vnd: float = 0.0
) -> dict[str, Any]:
    """USD a month at list prices; the broadcast part from the simulated calls per message."""
    p = PRICES
    broadcast_messages = size.followers * size.broadcasts_per_month
    inbound_messages = size.followers * size.inbound_per_follower_month
    per_inbound = float(inbound.get("end_to_end") or inbound["webhook"] + inbound["intake_and_reply"])
    ddb_per_broadcast = float(broadcast["dynamodb_calls_per_message"])
    # Write units per message from the simulation (transactions count twice): see `wcu_per_message`.
    wcu_per_broadcast = float(broadcast.get("wcu_per_message", ddb_per_broadcast))
    lambda_s_per_broadcast = ZALO_LATENCY_S + ddb_per_broadcast * DYNAMODB_LATENCY_S
    items = {
        "dynamodb_broadcast": broadcast_messages * wcu_per_broadcast * p["ddb_write_unit"],
        "dynamodb_inbound": inbound_messages * per_inbound * p["ddb_write_unit"],
        "dynamodb_storage": (size.followers * 0.4 + inbound_messages * 12 * 2 + broadcast_messages * 0.2)
        / 1e6
        * p["ddb_storage_gb_month"],
        "lambda_broadcast": broadcast_messages * lambda_s_per_broadcast * 0.5 * p["lambda_gb_s"]
        + broadcast_messages / 500 * p["lambda_request"],
        "lambda_inbound": inbound_messages * 3 * (0.2 * 1.0 * p["lambda_gb_s"] + p["lambda_request"]),
        "sqs": broadcast_messages / 50 * 3 * p["sqs_standard_request"]
        + inbound_messages * 4 * p["sqs_fifo_request"],
        "api_gateway": (inbound_messages + size.officers * 30 * 200) * p["http_api_request"],
        "secrets_manager": (size.oas + 2) * p["secrets_secret_month"]
        + size.oas * 24 * 30 * 2 / 10_000 * p["secrets_per_10k_calls"],
        "kms": p["kms_key_month"] + inbound_messages * 2 / 10_000 * p["kms_per_10k_requests"],
        "cloudwatch_logs": (inbound_messages * 3 + broadcast_messages / 50) * 1.5e-6 * p["logs_ingest_gb"],
        "cognito": max(0, size.officers - 10_000) * p["cognito_mau_over_free"],
    }
    total = sum(items.values())
    return {
        "usd_per_month": {k: round(v, 2) for k, v in items.items()},
        "total_usd_per_month": round(total, 2),
        "broadcast_messages": broadcast_messages,
        "inbound_messages": int(inbound_messages),
        "aws_calls_per_inbound_message": per_inbound,
        "calls_source": inbound["source"],
        "zalo_vnd_per_message_input": zalo_vnd,
        "zalo_vnd_per_month": broadcast_messages * zalo_vnd,
        "prices_read_on": PRICES_READ_ON,
    }


def plan_apps(size: Size) -> dict[str, Any]:
    followers = follower_counts(size)
    apps = apps_needed(size.followers, BROADCAST_MINUTES, ZALO_LIMIT_PER_MINUTE)
    spread = spread_oas(followers, [f"app{i:03d}" for i in range(apps)], minutes=BROADCAST_MINUTES)
    return {
        "followers": followers,
        "apps": apps,
        "spread": spread,
        "minutes": round(spread.minutes(ZALO_LIMIT_PER_MINUTE), 1),
        "one_app_minutes": round(size.followers / sends_per_minute(ZALO_LIMIT_PER_MINUTE), 1),
        "largest_oa_minutes": round(size.largest_oa / sends_per_minute(ZALO_LIMIT_PER_MINUTE), 1),
    }


def run_size(
    size: Size,
    scale: int | None,
    inbound: dict[str, Any] | Path | None = None,
    before: bool = True,
    zalo_vnd: float = 0.0,
) -> dict[str, Any]:
    """One size: apps, the simulated broadcast, limits and cost. `inbound`: AWS calls per citizen
    message (`calls_from_bench`), or a bench JSON file to read them from."""
    if not isinstance(inbound, dict):
        inbound = calls_from_bench(inbound)
    from scripts.capacity_sim import simulate

    k = scale or size.scale
    apps = plan_apps(size)
    followers, spread = apps["followers"], apps["spread"]
    rate = size.followers / (apps["minutes"] * 60) if apps["minutes"] else 0.0
    need = senders_needed(rate, 5.0)
    out: dict[str, Any] = {
        "size": asdict(size),
        "zalo_apps": {
            "apps_needed": apps["apps"],
            "broadcast_minutes_on_one_app": apps["one_app_minutes"],
            "broadcast_minutes_spread": apps["minutes"],
            "largest_oa_minutes": apps["largest_oa_minutes"],
            "oas_too_big_for_one_app": spread.too_big,
            "followers_per_app": {
                "min": min(spread.followers_per_app.values()),
                "max": max(spread.followers_per_app.values()),
            },
        },
    }
    if not size.simulate:
        out["broadcast"] = paper_broadcast(size, apps["minutes"], rate)
        out["lambda"] = {
            "broadcast_senders_needed": need,
            "broadcast_senders_today": CURRENT_SENDER_CONCURRENCY,
        }
        out["limits"] = first_limits(size, out)
        out["cost"] = monthly_cost(size, out["broadcast"], inbound, zalo_vnd)
        return out
    after = simulate(followers, spread.app_of, scale=k, senders=need)
    out["broadcast"] = after.figures
    out["broadcast"]["wcu_per_message"] = _wcu_per_message(after)
    if before and apps["apps"] > 1:
        one_app = dict.fromkeys(followers, "app000")
        old = simulate(followers, one_app, scale=k, senders=CURRENT_SENDER_CONCURRENCY, hours=3.0)
        out["broadcast_before"] = {
            key: old.figures[key]
            for key in (
                "apps",
                "senders",
                "status",
                "sent_fraction",
                "broadcast_minutes",
                "messages_per_second",
            )
        }
    out["lambda"] = {
        "broadcast_senders_needed": need,
        "broadcast_senders_today": CURRENT_SENDER_CONCURRENCY,
        "peak_busy_senders_simulated": after.figures["peak_busy_senders"],
        "inbound_messages_per_second_peak": round(inbound_peak_rate(size), 2),
        "inbound_concurrency_peak": max(1, math.ceil(inbound_peak_rate(size) * INBOUND_SECONDS)),
    }
    out["limits"] = first_limits(size, out)
    out["cost"] = monthly_cost(size, out["broadcast"], inbound, zalo_vnd)
    return out


# Per message, measured by the city simulation (scripts/capacity_sim.py) on 2026-11-29; used for the
# size that stays on paper.
PAPER_DYNAMODB_CALLS_PER_MESSAGE = 2.95
PAPER_WCU_PER_MESSAGE = 8.0


def paper_broadcast(size: Size, minutes: float, rate: float) -> dict[str, Any]:
    """The broadcast of a size that is not simulated: the model's time and the city's per-message
    figures; the hottest keys at that rate."""
    batches_per_s = rate / 50
    cursor_kb = 1 + (size.oas * 6 + apps_needed(size.followers, BROADCAST_MINUTES) * 60) / 1024
    return {
        "followers": size.followers,
        "broadcast_minutes": minutes,
        "messages_per_second": round(rate, 1),
        "dynamodb_calls_per_message": PAPER_DYNAMODB_CALLS_PER_MESSAGE,
        "wcu_per_message": PAPER_WCU_PER_MESSAGE,
        "simulated": False,
        "hottest_keys": [
            {
                "key": "CAMPAIGN#<id>",
                "kind": "campaign (item: counters per batch, planner cursor)",
                "wcu_per_s": round(batches_per_s * math.ceil(cursor_kb) + 40 * math.ceil(cursor_kb), 1),
            },
            {
                "key": "STATS#<day>",
                "kind": "daily statistics (all OAs of the day)",
                "wcu_per_s": round(batches_per_s * 2 + inbound_peak_rate(size) * 4, 1),
            },
            {
                "key": "CAMPAIGN#<id>#OA#<oa>",
                "kind": "campaign deliveries of one OA",
                "wcu_per_s": round(sends_per_minute() / 60 * 3, 1),
            },
            # one app's senders reserve ~65 slots/s in chunks: ~50-60 WCU/s in the city simulation
            {"key": "RATE#<app>", "kind": "rate limiter bucket of one app", "wcu_per_s": 60.0},
        ],
    }


def first_limits(size: Size, out: dict[str, Any]) -> list[dict[str, Any]]:
    """Each part's load against its limit, tightest first (load / limit)."""
    b, lam, apps = out["broadcast"], out["lambda"], out["zalo_apps"]
    keys = {
        row["kind"]: float(row["wcu_per_s"])
        for row in b.get("hottest_keys", [])
        if "(before)" not in row["kind"]
    }
    hottest = max(keys.items(), key=lambda kv: kv[1]) if keys else ("-", 0.0)
    inbound = inbound_peak_rate(size)
    rows = [
        (
            "Zalo: one app's 4,000 requests/min (broadcast minutes on one app vs 120)",
            apps["broadcast_minutes_on_one_app"],
            BROADCAST_MINUTES,
            "zalo_app_per_minute",
        ),
        (
            "Zalo: the largest OA sits on one app (its minutes vs 120)",
            apps["largest_oa_minutes"],
            BROADCAST_MINUTES,
            "zalo_app_per_minute",
        ),
        (
            "Lambda: broadcast senders needed vs MaximumConcurrency today (12)",
            lam["broadcast_senders_needed"],
            CURRENT_SENDER_CONCURRENCY,
            "sqs_esm_max_concurrency",
        ),
        (
            "Lambda: broadcast senders needed vs the account's 1,000",
            lam["broadcast_senders_needed"],
            LIMITS["lambda_account"][0],
            "lambda_account",
        ),
        (
            f"DynamoDB: hottest key after the changes ({hottest[0]}), WCU/s",
            hottest[1],
            LIMITS["ddb_partition_wcu"][0],
            "ddb_partition_wcu",
        ),
        (
            "SQS FIFO inbound queue: SendMessage/s at the busiest hour",
            round(inbound, 2),
            LIMITS["sqs_fifo_tps"][0],
            "sqs_fifo_tps",
        ),
        (
            "API Gateway: webhook + console requests/s at the busiest hour",
            round(inbound * 1.2 + size.officers * 0.05, 1),
            LIMITS["apigw_http_rps"][0],
            "apigw_http_rps",
        ),
        (
            "Secrets Manager: token reads/s during a broadcast (60 s cache per sender and OA)",
            round(lam["broadcast_senders_needed"] * 7 / 60, 1),
            LIMITS["secrets_get_tps"][0],
            "secrets_get_tps",
        ),
        (
            "KMS: PII data keys/s at the busiest hour (+ Secrets Manager decrypts)",
            round(inbound * 2 + lam["broadcast_senders_needed"] * 7 / 60, 1),
            20000,
            "kms_symmetric_tps",
        ),
        (
            "Cognito: officer sign-ins/s when the morning shift starts (all in 15 min)",
            round(size.officers / 900, 1),
            LIMITS["cognito_auth_rps"][0],
            "cognito_auth_rps",
        ),
    ]
    table = [
        {
            "part": part,
            "load": load,
            "limit": limit,
            "ratio": round(float(load) / limit, 3),
            "source": LIMITS[src][1],
        }
        for part, load, limit, src in rows
    ]
    return sorted(table, key=lambda r: -float(r["ratio"]))


def _wcu_per_message(result: Any) -> float:
    total = sum(sum(m.values()) for m in result.log.writes.values())
    sent = result.figures["sent_fraction"] * result.figures["simulated_followers"]
    return round(total / max(1.0, sent), 3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", choices=[*SIZES, "all"], default="all")
    parser.add_argument("--scale", type=int, help="simulate 1/scale of the followers (default per size)")
    parser.add_argument("--bench", type=Path, help="JSON written by `python -m scripts.bench --json`")
    parser.add_argument(
        "--measure-calls",
        action="store_true",
        help="count AWS calls per citizen message end to end on moto (scripts.capacity_calls, ~1 min) "
        "unless the bench JSON already has an end-to-end figure",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--no-before", action="store_true", help="skip the one-app run (before the changes)")
    parser.add_argument(
        "--zalo-vnd", type=float, default=0.0, help="Zalo's price of one broadcast message (input)"
    )
    args = parser.parse_args(argv)
    names = list(SIZES) if args.size == "all" else [args.size]
    inbound = calls_from_bench(args.bench)
    if args.measure_calls and "end_to_end" not in inbound:
        from scripts.capacity_calls import measure

        measured = measure()
        print(json.dumps({"aws_calls_per_citizen_message": measured}, indent=2), flush=True)
        inbound = {
            "end_to_end": measured["aws_calls_per_message_end_to_end"],
            "source": "measured now by scripts.capacity_calls (webhook + inbound worker + replies)",
        }
    results = {}
    for name in names:
        results[name] = run_size(
            SIZES[name], args.scale, inbound, before=not args.no_before, zalo_vnd=args.zalo_vnd
        )
        print(json.dumps({name: results[name]}, ensure_ascii=False, indent=2, default=str), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

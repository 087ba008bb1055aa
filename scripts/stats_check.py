"""Consistency check: recompute the figures from the stored records and compare them with the counters.

    python -m scripts.stats_check --url http://127.0.0.1:3000            # the local stack (make run)
    python -m scripts.stats_check --from 2026-05-01 --to 2026-05-31      # AWS (TABLE_NAME, credentials)

Prints every difference (figure, OA, day, counted, recomputed) and exits 1 when there is any.

Records read (one scan of the main table, an operator command, not a request path):
- conversation messages (PK=CONV#..., SK=MSG#..., direction "in")   -> messages_in per OA and day;
- tip cases (SK=CASE: oa_id, created_at, urgent, valuable)         -> tips, tips_urgent per OA and day,
                                                                      tips_valuable per OA for the period;
- campaign deliveries (SK=DELIVERY#..., status "sent", finished_at) -> broadcast_sent per OA and day;
- followers (PK=OA#..., SK=FOLLOWER#..., following, followed_at)   -> followers per OA (the gauge) and
  follows per OA and day (a follower item keeps only its latest follow, so a counter may exceed it
  after a re-follow; only counters below the records are a difference).
Days are Vietnam days. A counter name with no record behind it (e.g. cccd_lookups) is not checked.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from anninh import aws
from anninh.clock import parse_iso, utcnow, vn_day
from anninh.stats.figures import days_between
from anninh.stats.store import StatsStore

PER_DAY = ("messages_in", "tips", "tips_urgent", "broadcast_sent")


@dataclass(frozen=True)
class Difference:
    figure: str
    oa_id: str
    day: str  # a day, or "from..to" for figures checked over the period, or "now" for the gauge
    counted: int
    recomputed: int

    def line(self) -> str:
        return (
            f"{self.figure:<15} OA {self.oa_id:<22} {self.day:<23} "
            f"counted {self.counted:>7}  recomputed {self.recomputed:>7}"
        )


@dataclass
class Recomputed:
    per_day: Counter[tuple[str, str, str]]  # (figure, oa_id, day) -> n
    valuable: Counter[str]  # oa_id -> valuable cases created in the period
    followers: Counter[str]  # oa_id -> followers now
    follows: Counter[tuple[str, str]]  # (oa_id, day) -> latest follows on that day


def _day_of(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return vn_day(parse_iso(value))
    except ValueError:
        return None


def recompute(items: Iterable[dict[str, Any]], first: str, last: str) -> Recomputed:
    """Figures from raw items of the main table (any order), for the days first..last."""
    out = Recomputed(Counter(), Counter(), Counter(), Counter())
    for item in items:
        pk, sk = str(item.get("PK", "")), str(item.get("SK", ""))
        if pk.startswith("CONV#") and sk.startswith("MSG#"):
            day = _day_of(item.get("at"))
            if item.get("direction") == "in" and day and first <= day <= last:
                out.per_day[("messages_in", str(item.get("oa_id", "")), day)] += 1
        elif pk.startswith("CASE#") and sk == "CASE":
            day = _day_of(item.get("created_at"))
            oa_id = str(item.get("oa_id", ""))
            if day and first <= day <= last:
                out.per_day[("tips", oa_id, day)] += 1
                if item.get("urgent"):
                    out.per_day[("tips_urgent", oa_id, day)] += 1
                if item.get("valuable"):
                    out.valuable[oa_id] += 1
        elif pk.startswith("CAMPAIGN#") and sk.startswith("DELIVERY#"):
            day = _day_of(item.get("finished_at"))
            if item.get("status") == "sent" and day and first <= day <= last:
                oa_id = str(item.get("oa_id") or sk.split("#")[1])
                out.per_day[("broadcast_sent", oa_id, day)] += 1
        elif pk.startswith("OA#") and sk.startswith("FOLLOWER#"):
            oa_id = pk.removeprefix("OA#")
            if item.get("following"):
                out.followers[oa_id] += 1
            day = _day_of(item.get("followed_at"))
            if day and first <= day <= last:
                out.follows[(oa_id, day)] += 1
    return out


def counted(store: StatsStore, first: str, last: str) -> tuple[Counter[tuple[str, str, str]], Counter[str]]:
    """Counters per (figure, OA, day) for the check's figures, summed over the units counted for."""
    per_day: Counter[tuple[str, str, str]] = Counter()
    valuable: Counter[str] = Counter()
    for day in days_between(date.fromisoformat(first), date.fromisoformat(last)):
        for oa_id, _unit, figures in store.oa_days(day):
            for name in (*PER_DAY, "follows"):
                if figures.get(name):
                    per_day[(name, oa_id, day)] += int(figures[name])
            valuable[oa_id] += int(figures.get("tips_valuable", 0))
    return per_day, valuable


def compare(store: StatsStore, items: Iterable[dict[str, Any]], first: str, last: str) -> list[Difference]:
    records = recompute(items, first, last)
    per_day, valuable = counted(store, first, last)
    diffs: list[Difference] = []
    for key in sorted({k for k in per_day if k[0] in PER_DAY} | set(records.per_day)):
        figure, oa_id, day = key
        if per_day[key] != records.per_day[key]:
            diffs.append(Difference(figure, oa_id, day, per_day[key], records.per_day[key]))
    for oa_id, day in sorted(records.follows):
        have = per_day[("follows", oa_id, day)]
        if have < records.follows[(oa_id, day)]:
            diffs.append(Difference("follows", oa_id, day, have, records.follows[(oa_id, day)]))
    period = f"{first}..{last}"
    for oa_id in sorted(set(valuable) | set(records.valuable)):
        if valuable[oa_id] != records.valuable[oa_id]:
            diffs.append(Difference("tips_valuable", oa_id, period, valuable[oa_id], records.valuable[oa_id]))
    gauges = store.follower_gauges()
    for oa_id in sorted(set(gauges) | set(records.followers)):
        if gauges.get(oa_id, 0) != records.followers[oa_id]:
            diffs.append(
                Difference("followers", oa_id, "now", gauges.get(oa_id, 0), records.followers[oa_id])
            )
    return diffs


def scan_records(table: Any | None = None) -> Iterator[dict[str, Any]]:
    """Every item of the kinds the check reads (a paginated scan of the main table)."""
    from boto3.dynamodb.conditions import Attr

    tbl = table or aws.table()
    condition = (
        Attr("PK").begins_with("CONV#")
        | Attr("PK").begins_with("CASE#")
        | Attr("PK").begins_with("CAMPAIGN#")
        | Attr("SK").begins_with("FOLLOWER#")
    )
    kwargs: dict[str, Any] = {"FilterExpression": condition}
    while True:
        page = tbl.scan(**kwargs)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _use_local_stack(url: str) -> None:
    import httpx

    config = httpx.get(url.rstrip("/") + "/_local/config", timeout=10).raise_for_status().json()
    os.environ.update(config.get("environment") or {})
    os.environ["AWS_ENDPOINT_URL"] = config["aws_endpoint_url"]
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ["AWS_REGION"] = os.environ["AWS_DEFAULT_REGION"] = config.get("region", "ap-southeast-1")


def run(first: str, last: str) -> int:
    from anninh import wiring

    diffs = compare(wiring.stats_store(), scan_records(), first, last)
    if not diffs:
        print(f"stats-check {first}..{last}: no difference between counters and records.")
        return 0
    print(f"stats-check {first}..{last}: {len(diffs)} difference(s):")
    for diff in diffs:
        print("  " + diff.line())
    return 1


def main(argv: list[str] | None = None) -> int:
    today = date.fromisoformat(vn_day(utcnow()))
    parser = argparse.ArgumentParser(description="Compare the statistics counters with the stored records.")
    parser.add_argument("--from", dest="first", default=(today - timedelta(days=30)).isoformat())
    parser.add_argument("--to", dest="last", default=today.isoformat())
    parser.add_argument("--url", help="a running local stack, e.g. http://127.0.0.1:3000")
    args = parser.parse_args(argv)
    if args.url:
        _use_local_stack(args.url)
    return run(args.first, args.last)


if __name__ == "__main__":
    sys.exit(main())

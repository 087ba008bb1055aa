"""Consistency check: recompute the figures from the stored records and compare them with the counters.

    python scripts/stats_check.py --url http://127.0.0.1:3000            # the local stack (make run)
    python scripts/stats_check.py --from 2026-05-01 --to 2026-05-31      # AWS (TABLE_NAME, credentials)

Prints every difference (figure, OA, day, counted, recomputed) and exits 1 when there is any.
What is recomputed, from which records: see anninh.stats.check.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, timedelta

from anninh.clock import utcnow, vn_day


def _use_local_stack(url: str) -> None:
    import httpx

    config = httpx.get(url.rstrip("/") + "/_local/config", timeout=10).raise_for_status().json()
    os.environ.update(config.get("environment") or {})
    os.environ["AWS_ENDPOINT_URL"] = config["aws_endpoint_url"]
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ["AWS_REGION"] = os.environ["AWS_DEFAULT_REGION"] = config.get("region", "ap-southeast-1")


def run(first: str, last: str) -> int:
    from anninh.stats.check import compare, scan_records
    from anninh.stats.store import DynamoStatsStore

    diffs = compare(DynamoStatsStore(), scan_records(), first, last)
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

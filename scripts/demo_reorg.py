"""Take the 2022 demo registry through the 01/07/2025 merge on a running stack, and show nothing is lost.

    make run                # in one terminal (the 2022 registry is the default)
    make demo-reorg         # in another: python -m scripts.demo_reorg --base-url http://127.0.0.1:3000

Steps: (1) the operator adds Công an TP. Hồ Chí Minh above the district, with its officers, from
demo/registry-2026.json (`POST /_local/registry`, the local form of `make register`); (2) the city's
admin sends demo/reorg-2025-07-01.json to `POST /api/v1/reorganizations` as a dry run, then applies it;
(3) the same questions are asked before and after: every OA still belongs to a unit that exists, the
open tips are the same (same codes, now in the new wards), the city's followers and the old wards'
figures before the date are unchanged. Exit status 1 if any check fails.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from scripts.feed_month import HttpChannel

ROOT = Path(__file__).resolve().parents[1]
REGISTRY_2026 = ROOT / "demo" / "registry-2026.json"
REQUEST = ROOT / "demo" / "reorg-2025-07-01.json"
CITY_ADMIN, CITY_COMMANDER = "hcm.quantri", "hcm.chihuy"
DISTRICT = "tan-phu"


def operator_fragment(registry_2022: dict[str, Any], registry_2026: dict[str, Any]) -> dict[str, Any]:
    """The city unit and its officers, and the district placed under the city (as it always was)."""
    city = [u for u in registry_2026["units"] if u["kind"] in ("city", "province")]
    city_ids = {u["unit_id"] for u in city}
    district = [
        {**u, "parent": city[0]["unit_id"]}
        for u in registry_2022["units"]
        if u["kind"] == "district" and u.get("parent") is None
    ]
    officers = [o for o in registry_2026["officers"] if o["unit_id"] in city_ids]
    return {"units": [*city, *district], "officers": officers}


def request_body(path: Path = REQUEST) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in body.items() if not k.startswith("_")}


def snapshot(channel: HttpChannel, old_wards: list[str], before_date: str) -> dict[str, Any]:
    """What a commander of the city can see: OAs, open tips, followers, the old wards' past figures."""
    status, oas = channel.api(CITY_COMMANDER, "GET", "/oas")
    assert status == 200, oas
    status, units = channel.api(CITY_COMMANDER, "GET", "/units")
    assert status == 200, units
    active = {u["unit_id"] for u in units["items"] if not u.get("ended_on")}
    tips: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"open": "true", "limit": 100, **({"cursor": cursor} if cursor else {})}
        status, page = channel.api(CITY_COMMANDER, "GET", "/tips", query=query)
        assert status == 200, page
        tips.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    week = {
        "from": (date.fromisoformat(before_date) - timedelta(days=7)).isoformat(),
        "to": (date.fromisoformat(before_date) - timedelta(days=1)).isoformat(),
    }
    # One call: the district's breakdown has a row per old ward (each walks back from today).
    status, district = channel.api(CITY_COMMANDER, "GET", "/stats", query={**week, "unit_id": DISTRICT})
    assert status == 200, district
    past = {
        row["unit_id"]: {k: row[k] for k in ("followers", "messages_in", "tips", "follows")}
        for row in district["units"]
        if row["unit_id"] in old_wards
    }
    past[DISTRICT] = {k: district[k] for k in ("followers", "messages_in", "tips", "follows")}
    status, city = channel.api(CITY_COMMANDER, "GET", "/stats", query={"unit_id": "hcm"})
    assert status == 200, city
    return {
        "oas": {o["oa_id"]: o["unit_id"] for o in oas["items"]},
        "oas_on_active_units": sum(1 for o in oas["items"] if o["unit_id"] in active),
        "open_tips": {t["code"]: t["unit_id"] for t in tips},
        "followers_now": city["followers"],
        "past_week": past,
    }


def run(base_url: str) -> int:
    http = httpx.Client(base_url=base_url.rstrip("/"), timeout=60.0)
    config = http.get("/_local/config").raise_for_status().json()
    registry_2022 = json.loads(Path(config["registry_path"]).read_text(encoding="utf-8"))
    registry_2026 = json.loads(REGISTRY_2026.read_text(encoding="utf-8"))
    body = request_body()
    print("1. Operator: Công an TP. Hồ Chí Minh above the district, with its officers")
    added = http.post("/_local/registry", json=operator_fragment(registry_2022, registry_2026))
    print("  ", added.raise_for_status().json())
    channel = HttpChannel(base_url)
    old_wards = [u["unit_id"] for u in registry_2022["units"] if u["kind"] == "ward"]
    before = snapshot(channel, old_wards, body["effective_date"])
    print(
        f"   before: {len(before['oas'])} OAs, {len(before['open_tips'])} open tips, "
        f"{before['followers_now']} followers"
    )

    print("2. Dry run")
    status, preview = channel.api(CITY_ADMIN, "POST", "/reorganizations", {**body, "dry_run": True})
    print("  ", status, json.dumps(preview.get("counts", preview), ensure_ascii=False))
    if status != 200:
        return 1
    print("3. Apply")
    status, done = channel.api(CITY_ADMIN, "POST", "/reorganizations", body)
    print("  ", status, done.get("id"), json.dumps(done.get("counts", done), ensure_ascii=False))
    if status != 201:
        return 1

    after = snapshot(channel, old_wards, body["effective_date"])
    checks = [
        (
            "every OA still belongs to a unit that exists",
            after["oas_on_active_units"] == len(after["oas"]) == len(before["oas"]),
        ),
        (
            "the same open tips, same codes (now in the new wards)",
            set(after["open_tips"]) == set(before["open_tips"]),
        ),
        ("no open tip left in an ended ward", all(u not in old_wards for u in after["open_tips"].values())),
        ("the city's followers unchanged", after["followers_now"] == before["followers_now"]),
        (
            "the old wards' figures of the week before the date unchanged",
            after["past_week"] == before["past_week"],
        ),
    ]
    print("4. Nothing lost")
    for label, ok in checks:
        print(f"   [{'ok' if ok else 'FAILED'}] {label}")
    print(f"   reorganisation {done['id']}: GET /api/v1/reorganizations/{done['id']} (as {CITY_ADMIN})")
    return 0 if all(ok for _l, ok in checks) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base-url", default="http://127.0.0.1:3000")
    return run(parser.parse_args(argv).base_url)


if __name__ == "__main__":
    sys.exit(main())

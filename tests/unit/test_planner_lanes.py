"""The planner interleaves Zalo apps: a campaign over OAs of several apps queues their batches in
turn (one page per app), so every app's senders have work from the first minute; with one app the
order is OA after OA as before. Pure logic with in-memory fakes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from anninh.campaigns.audience import AudienceFilter, AudiencePage
from anninh.campaigns.eligibility import AudienceMember
from anninh.campaigns.model import Batch
from anninh.campaigns.planner import Planner, lanes_from_cursor

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


class Audience:
    def __init__(self, sizes: dict[str, int]) -> None:
        self.sizes = sizes

    def page(
        self, oa_id: str, flt: AudienceFilter, now: datetime, cursor: dict[str, Any] | None, limit: int = 1000
    ) -> AudiencePage:
        start = int((cursor or {}).get("at", 0))
        end = min(self.sizes[oa_id], start + limit)
        members = [
            AudienceMember(
                user_id=f"{oa_id}-{i}",
                following=True,
                withdrawn=False,
                last_interaction_at="2026-11-29T11:00:00Z",
            )
            for i in range(start, end)
        ]
        return AudiencePage(members, {"at": end} if end < self.sizes[oa_id] else None)


class Store:
    def __init__(self, oa_ids: list[str], cursor: dict[str, Any] | None = None) -> None:
        self.item: dict[str, Any] = {
            "id": "c1",
            "status": "running",
            "kind": "text",
            "message_type": "cs",
            "oa_ids": oa_ids,
            "total": 0,
        }
        if cursor is not None:
            self.item["cursor"] = json.dumps(cursor, sort_keys=True)
        self.fail_after: int | None = None
        self.checkpoints = 0

    def get_item(self, campaign_id: str, consistent: bool = True) -> dict[str, Any]:
        return dict(self.item)

    def checkpoint(
        self,
        campaign_id: str,
        previous: dict[str, Any] | None,
        cursor: dict[str, Any],
        *,
        counts: dict[str, int],
        planning_done: bool,
        now: datetime,
    ) -> bool:
        stored = self.item.get("cursor")
        if (json.dumps(previous, sort_keys=True) if previous is not None else None) != stored:
            return False
        if self.fail_after is not None and self.checkpoints >= self.fail_after:
            raise RuntimeError("planner died before its checkpoint")
        self.checkpoints += 1
        self.item["cursor"] = json.dumps(cursor, sort_keys=True)
        self.item["planning_done"] = planning_done
        for k, v in counts.items():
            self.item[k] = self.item.get(k, 0) + v
        return True


class Queue:
    def __init__(self) -> None:
        self.batches: list[Batch] = []

    def batches_(self, batches: list[Batch]) -> None:
        self.batches.extend(batches)


class Writer:
    def __init__(self, queue: Queue) -> None:
        self.queue = queue

    def batches(self, batches: list[Batch]) -> None:
        self.queue.batches_(batches)


APPS = {"oa1": "app-a", "oa2": "app-a", "oa3": "app-b", "oa4": "app-b"}


def planner(store: Store, queue: Queue, sizes: dict[str, int], app_of: Any = None) -> Planner:
    writer: Any = Writer(queue)
    memory: Any = store
    return Planner(
        store=memory,
        audience=Audience(sizes),
        broadcast=writer,
        now=lambda: NOW,
        page_size=100,
        requeue=lambda cid: None,
        app_of=app_of,
    )


def test_batches_of_two_apps_alternate_page_by_page_and_everyone_is_planned_once() -> None:
    sizes = {"oa1": 250, "oa2": 100, "oa3": 300, "oa4": 50}
    store, queue = Store(list(sizes)), Queue()
    result = planner(store, queue, sizes, APPS.get).plan("c1")
    assert result.status == "planned" and store.item["planning_done"] is True
    apps = [APPS[b.oa_id] for b in queue.batches]
    # one page (100 recipients = 2 batches) from each app in turn while both have followers left
    assert apps[:8] == ["app-a", "app-a", "app-b", "app-b", "app-a", "app-a", "app-b", "app-b"]
    recipients = [r for b in queue.batches for r in b.recipients]
    assert len(recipients) == len(set(recipients)) == sum(sizes.values())
    assert store.item["total"] == sum(sizes.values())
    assert len({b.batch_id for b in queue.batches}) == len(queue.batches)


def test_one_app_is_planned_oa_after_oa() -> None:
    sizes = {"oa1": 150, "oa2": 100}
    store, queue = Store(list(sizes)), Queue()
    planner(store, queue, sizes).plan("c1")
    assert [b.oa_id for b in queue.batches] == ["oa1"] * 3 + ["oa2"] * 2


def test_a_planner_retried_after_dying_plans_the_same_batch_ids_and_counts_once() -> None:
    sizes = {"oa1": 250, "oa3": 300}
    store, queue = Store(list(sizes)), Queue()
    store.fail_after = 3
    with pytest.raises(RuntimeError):
        planner(store, queue, sizes, APPS.get).plan("c1")
    store.fail_after = None
    planner(store, queue, sizes, APPS.get).plan("c1")
    ids = [b.batch_id for b in queue.batches]
    assert len(set(ids)) == len(ids) - 2  # the page enqueued before the crash went out again, same ids
    assert store.item["total"] == 550 and store.item["planning_done"] is True


def test_a_cursor_from_the_oa_after_oa_planner_carries_on_from_where_it_stopped() -> None:
    sizes = {"oa1": 100, "oa2": 150, "oa3": 100}
    legacy = {"oa": 1, "key": {"at": 100}, "page": 1}
    store, queue = Store(list(sizes), legacy), Queue()
    planner(store, queue, sizes, APPS.get).plan("c1")
    assert [(b.oa_id, b.batch_id) for b in queue.batches] == [
        ("oa2", "c1:1:1:0"),
        ("oa3", "c1:2:0:0"),
        ("oa3", "c1:2:0:1"),
    ]
    assert lanes_from_cursor({"oa": 3, "key": None, "page": 0}, list(sizes)) == {"lanes": [], "turn": 0}

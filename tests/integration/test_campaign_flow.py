"""Campaigns end to end in-process (moto): the officer API, the planner, the due sweep with an
injected clock, pause / resume / cancel, preview, article broadcasts, statistics."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from anninh import aws, keys
from anninh.campaigns.model import Batch, CampaignRequest
from anninh.campaigns.planner import Planner
from anninh.campaigns.sender import BroadcastSender
from anninh.campaigns.service import CampaignError, CampaignService
from anninh.campaigns.store import default_campaign_store
from anninh.clock import iso
from anninh.ratelimit import DynamoBucketStore, RateLimiter
from anninh.registry.store import current_registry
from localcloud.lambdas import LambdaContext, load_handler, spec_for
from tests.fakes.broadcast import MemoryBucketTable, seed_followers
from tests.integration.test_api_support import call, claims_for

OA = "2200000000000000001"  # Hiệp Tân ward OA
NOW = datetime(2026, 5, 4, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam


class Caller:
    def __init__(self, username: str, unit_id: str, roles: set[str]) -> None:
        self.username, self.unit_id, self.roles = username, unit_id, roles
        self.visible_units = tuple(current_registry().subtree(unit_id))

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


class FakeZalo:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, Any], str]] = []
        self.articles: list[tuple[str, dict[str, Any]]] = []
        self.broadcasts: list[tuple[str, str, dict[str, Any]]] = []

    def send(self, oa_id: str, user_id: str, message: dict[str, Any], message_type: str) -> str:
        self.sent.append((oa_id, user_id, message, message_type))
        return f"m{len(self.sent)}"

    def send_template(
        self, oa_id: str, phone: str, template_id: str, data: dict[str, Any], tracking: str
    ) -> str:
        self.sent.append((oa_id, phone, {"template_id": template_id, **data}, "zns"))
        return f"z{len(self.sent)}"

    def create_article(self, oa_id: str, article: dict[str, Any]) -> str:
        self.articles.append((oa_id, article))
        return f"art-{oa_id[-2:]}"

    def broadcast_article(self, oa_id: str, article_id: str, target: dict[str, Any]) -> str:
        self.broadcasts.append((oa_id, article_id, target))
        return f"b{len(self.broadcasts)}"


def editor() -> Caller:
    return Caller("tanphu.bientap", "tan-phu", {"editor"})


def drain(deployment: Any) -> list[Batch]:
    sqs = aws.client("sqs")
    url = deployment.queue_urls["BroadcastQueue"]
    batches = []
    while True:
        out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        if not out.get("Messages"):
            return batches
        for m in out["Messages"]:
            batches.append(Batch.model_validate_json(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def sender(zalo: FakeZalo, now: datetime, counter: Any = None) -> BroadcastSender:
    return BroadcastSender(
        registry=current_registry(),
        gateway=zalo,  # type: ignore[arg-type]
        limiter=RateLimiter(4000, store=DynamoBucketStore(MemoryBucketTable())),
        counter=counter or (lambda *a, **k: True),
        now=lambda: now,
    )


def test_a_scheduled_campaign_runs_at_its_time_and_not_before(aws_stack: Any) -> None:
    seed_followers(aws.table(), [OA], 30, NOW)
    send_at = NOW + timedelta(hours=2)
    enqueued: list[str] = []
    service = CampaignService(current_registry(), enqueue=enqueued.append, now=lambda: NOW)
    campaign = service.create(
        editor(),
        CampaignRequest.model_validate(
            {
                "name": "Nhắc lịch làm CCCD",
                "oa_ids": [OA],
                "message": {"text": "Mời anh/chị đến làm thủ tục."},
                "send_at": send_at.isoformat(),
            }
        ),
    )
    assert enqueued == [] and campaign.status == "scheduled"

    def sweep_at(at: datetime) -> dict[str, int]:
        return Planner(now=lambda: at, requeue=enqueued.append).sweep()

    assert sweep_at(send_at - timedelta(seconds=1))["due"] == 0
    assert drain(aws_stack) == []
    assert default_campaign_store().get(campaign.id).status == "scheduled"

    assert sweep_at(send_at + timedelta(seconds=30))["due"] == 1
    batches = drain(aws_stack)
    assert sum(len(b.recipients) for b in batches) == 30
    started = default_campaign_store().get(campaign.id)
    assert started.status == "running" and started.total == 30 and started.planning_done
    # A later sweep does not start it again.
    assert sweep_at(send_at + timedelta(minutes=1, seconds=30))["due"] == 0
    assert drain(aws_stack) == []


def test_the_due_sweep_through_the_scheduled_function_event(
    aws_stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from anninh import clock
    from tests.conftest import load_event

    seed_followers(aws.table(), [OA], 5, NOW)
    service = CampaignService(current_registry(), enqueue=lambda _: None, now=lambda: NOW)
    campaign = service.create(
        editor(),
        CampaignRequest.model_validate(
            {
                "name": "Thông báo",
                "oa_ids": [OA],
                "message": {"text": "Xin chào"},
                "send_at": (NOW + timedelta(minutes=5)).isoformat(),
            }
        ),
    )
    handler = load_handler(spec_for("CampaignPlannerFunction"))
    monkeypatch.setattr(clock, "utcnow", lambda: NOW + timedelta(minutes=4))
    assert handler(load_event("schedule_due_campaigns.json"), LambdaContext("planner", 150))["due"] == 0
    assert default_campaign_store().get(campaign.id).status == "scheduled"
    monkeypatch.setattr(clock, "utcnow", lambda: NOW + timedelta(minutes=6))
    assert handler(load_event("schedule_due_campaigns.json"), LambdaContext("planner", 150))["due"] == 1
    assert default_campaign_store().get(campaign.id).status == "running"
    # The start is one broadcast of that OA in the statistics, counted once even if planned again.
    handler(load_event("schedule_due_campaigns.json"), LambdaContext("planner", 150))
    items = aws.table().scan(
        FilterExpression="begins_with(PK, :p)", ExpressionAttributeValues={":p": "STATS#2"}
    )
    assert sum(int(i.get("broadcasts", 0)) for i in items["Items"]) == 1


def test_planner_retried_after_a_crash_neither_duplicates_batches_nor_counts(aws_stack: Any) -> None:
    seed_followers(aws.table(), [OA], 120, NOW)
    service = CampaignService(current_registry(), enqueue=lambda _: None, now=lambda: NOW)
    campaign = service.create(
        editor(),
        CampaignRequest.model_validate(
            {"name": "Cảnh báo", "oa_ids": [OA], "message": {"text": "Cảnh giác lừa đảo"}}
        ),
    )

    class Crash(Exception):
        pass

    store = default_campaign_store()
    real_checkpoint = store.checkpoint
    calls = {"n": 0}

    def flaky_checkpoint(*args: Any, **kwargs: Any) -> bool:
        calls["n"] += 1
        if calls["n"] == 2:
            raise Crash("planner died after enqueuing its second page")
        return real_checkpoint(*args, **kwargs)

    store.checkpoint = flaky_checkpoint  # type: ignore[method-assign]
    with pytest.raises(Crash):
        Planner(store=store, now=lambda: NOW, page_size=50).plan(campaign.id)
    Planner(now=lambda: NOW, page_size=50).plan(campaign.id)  # the retry
    batches = drain(aws_stack)
    ids = [b.batch_id for b in batches]
    assert len(ids) > len(set(ids))  # the second page went out twice, with the same batch ids...
    zalo = FakeZalo()
    worker = sender(zalo, NOW)
    for batch in batches:
        worker.send_batch(batch)
    # ...and nobody received it twice; the totals were added once.
    assert len(zalo.sent) == len({u for _, u, _, _ in zalo.sent}) == 120
    done = default_campaign_store().get(campaign.id)
    assert (done.status, done.total, done.sent) == ("done", 120, 120)


def test_pause_parks_batches_resume_sends_them_cancel_stops(aws_stack: Any) -> None:
    seed_followers(aws.table(), [OA], 100, NOW)
    service = CampaignService(current_registry(), enqueue=lambda _: None, now=lambda: NOW)
    campaign = service.create(
        editor(),
        CampaignRequest.model_validate(
            {"name": "Thông báo", "oa_ids": [OA], "message": {"text": "Xin chào"}}
        ),
    )
    Planner(now=lambda: NOW).plan(campaign.id)
    first, second = drain(aws_stack)
    zalo = FakeZalo()
    sender(zalo, NOW).send_batch(first)
    assert service.pause(editor(), campaign.id).status == "paused"
    sender(zalo, NOW).send_batch(second)  # arrives while paused: held back, nobody contacted
    assert len(zalo.sent) == 50
    resumed = service.resume(editor(), campaign.id)
    assert resumed.status == "running"
    (again,) = drain(aws_stack)
    assert again.batch_id == second.batch_id
    sender(zalo, NOW).send_batch(again)
    assert len(zalo.sent) == 100
    finished = default_campaign_store().get(campaign.id)
    assert (finished.status, finished.sent) == ("done", 100)
    with pytest.raises(Exception, match="done"):
        service.cancel(editor(), campaign.id)


def test_cancel_stops_the_remaining_batches(aws_stack: Any) -> None:
    seed_followers(aws.table(), [OA], 100, NOW)
    service = CampaignService(current_registry(), enqueue=lambda _: None, now=lambda: NOW)
    campaign = service.create(
        editor(),
        CampaignRequest.model_validate(
            {"name": "Thông báo", "oa_ids": [OA], "message": {"text": "Xin chào"}}
        ),
    )
    Planner(now=lambda: NOW).plan(campaign.id)
    first, second = drain(aws_stack)
    zalo = FakeZalo()
    sender(zalo, NOW).send_batch(first)
    assert service.cancel(editor(), campaign.id).status == "cancelled"
    sender(zalo, NOW).send_batch(second)
    assert len(zalo.sent) == 50


def test_preview_counts_who_is_not_eligible_and_why(aws_stack: Any) -> None:
    seed_followers(aws.table(), [OA], 40, NOW, outside_window=7, unfollowed=3)
    aws.table().update_item(
        Key=keys.follower(OA, f"81{0:017d}"),
        UpdateExpression="SET withdrawn = :t",
        ExpressionAttributeValues={":t": True},
    )
    service = CampaignService(current_registry(), now=lambda: NOW)
    preview = service.preview(
        editor(),
        CampaignRequest.model_validate({"name": "x", "oa_ids": [OA], "message": {"text": "Xin chào"}}),
    )
    assert (preview.audience, preview.eligible) == (50, 39)
    assert preview.ineligible == {"outside_window": 7, "unfollowed": 3, "withdrawn": 1}
    assert preview.ineligible_labels is not None and "7 ngày" in preview.ineligible_labels["outside_window"]
    # A promotion at 23:00 Vietnam time: nobody may receive it then (quiet hours).
    night = datetime(2026, 5, 4, 16, 0, tzinfo=UTC)
    promo = service.preview(
        editor(),
        CampaignRequest.model_validate(
            {
                "name": "x",
                "oa_ids": [OA],
                "message": {"text": "Xin chào"},
                "message_type": "promotion",
                "send_at": night.isoformat(),
            }
        ),
    )
    assert promo.eligible == 0 and promo.ineligible["quiet_hours"] == 46


def test_promotions_respect_the_per_follower_daily_cap(aws_stack: Any) -> None:
    seed_followers(aws.table(), [OA], 10, NOW)
    service = CampaignService(current_registry(), enqueue=lambda _: None, now=lambda: NOW)
    zalo = FakeZalo()
    ids = []
    for name in ("Khuyến cáo 1", "Khuyến cáo 2"):
        c = service.create(
            editor(),
            CampaignRequest.model_validate(
                {"name": name, "oa_ids": [OA], "message": {"text": name}, "message_type": "promotion"}
            ),
        )
        Planner(now=lambda: NOW).plan(c.id)
        for batch in drain(aws_stack):
            sender(zalo, NOW).send_batch(batch)
        ids.append(c.id)
    first, second = (default_campaign_store().get(i) for i in ids)
    assert first.sent == 10
    assert second.sent == 0 and second.skipped_reasons == {"follower_cap": 10}
    assert {t for *_, t in zalo.sent} == {"promotion"}
    preview = service.preview(
        editor(),
        CampaignRequest.model_validate(
            {"name": "x", "oa_ids": [OA], "message": {"text": "x"}, "message_type": "promotion"}
        ),
    )
    assert preview.ineligible.get("follower_cap") == 10


def test_article_broadcast_is_one_request_per_oa_and_never_twice(aws_stack: Any) -> None:
    oas = [OA, "2200000000000000002"]
    service = CampaignService(current_registry(), enqueue=lambda _: None, now=lambda: NOW)
    campaign = service.create(
        editor(),
        CampaignRequest.model_validate(
            {
                "name": "Bài viết: phòng chống lừa đảo",
                "oa_ids": oas,
                "message": {
                    "article": {
                        "title": "Cảnh giác lừa đảo qua mạng",
                        "description": "Khuyến cáo của Công an",
                        "cover_url": "https://example.vn/cover.jpg",
                        "body": "Nội dung bài viết",
                    },
                    "target": {"gender": "all"},
                },
            }
        ),
    )
    assert campaign.kind == "article" and campaign.message_type == "promotion"
    zalo = FakeZalo()
    Planner(now=lambda: NOW, articles=zalo).plan(campaign.id)
    Planner(now=lambda: NOW, articles=zalo).plan(campaign.id)  # a duplicate planner message
    assert [b[0] for b in zalo.broadcasts] == oas
    done = default_campaign_store().get(campaign.id)
    assert (done.status, done.total, done.sent) == ("done", 2, 2)
    assert done.article_ids == {OA: "art-01", "2200000000000000002": "art-02"}


def test_broadcast_sent_is_counted_in_the_statistics_once(aws_stack: Any) -> None:
    from anninh.stats.counters import count

    seed_followers(aws.table(), [OA], 60, NOW)
    service = CampaignService(current_registry(), enqueue=lambda _: None, now=lambda: NOW)
    campaign = service.create(
        editor(),
        CampaignRequest.model_validate(
            {"name": "Thông báo", "oa_ids": [OA], "message": {"text": "Xin chào"}}
        ),
    )
    Planner(now=lambda: NOW).plan(campaign.id)
    batches = drain(aws_stack)
    zalo = FakeZalo()
    for batch in batches + batches:  # every batch delivered twice
        sender(zalo, NOW, counter=count).send_batch(batch)
    items = aws.table().query(
        KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": "STATS#2026-05-04"}
    )
    sent = sum(int(i.get("broadcast_sent", 0)) for i in items["Items"])
    assert sent == 60 == len(zalo.sent)


def test_officer_api_create_read_list_and_roles(
    aws_stack: Any, registry: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_followers(aws.table(), [OA], 12, datetime.now(UTC))
    body = {
        "name": "Cảnh báo lừa đảo",
        "oa_ids": [OA],
        "message": {"text": "Không chuyển tiền cho người lạ."},
    }
    status, created = call("POST", "/api/v1/campaigns", claims_for(registry, "tanphu.bientap"), body)
    assert status == 201, created
    assert created["status"] == "scheduled" and created["id"]
    # The API put it on the campaign queue: the planner function takes it from there.
    sqs = aws.client("sqs")
    out = sqs.receive_message(QueueUrl=aws_stack.queue_urls["CampaignQueue"])
    assert json.loads(out["Messages"][0]["Body"]) == {"campaign_id": created["id"]}
    Planner().plan(created["id"])

    status, got = call("GET", f"/api/v1/campaigns/{created['id']}", claims_for(registry, "hieptan.canbo"))
    assert status == 200
    for field in (
        "status",
        "total",
        "sent",
        "failed",
        "skipped",
        "rate",
        "eta",
        "started_at",
        "finished_at",
        "skipped_reasons",
    ):
        assert field in got
    assert (got["status"], got["total"]) == ("running", 12)
    status, listing = call("GET", "/api/v1/campaigns", claims_for(registry, "tanphu.chihuy"))
    assert status == 200 and [c["id"] for c in listing["items"]] == [created["id"]]

    # A ward officer may read but not create; another ward does not even see it.
    status, error = call("POST", "/api/v1/campaigns", claims_for(registry, "hieptan.canbo"), body)
    assert status == 403 and error["error"]["code"] == "forbidden"
    status, _ = call("GET", f"/api/v1/campaigns/{created['id']}", claims_for(registry, "hoathanh.canbo"))
    assert status == 404
    status, error = call(
        "POST",
        "/api/v1/campaigns",
        claims_for(registry, "tanphu.bientap"),
        {"name": "x", "oa_ids": [OA], "message": {"text": ""}},
    )
    assert status == 422 and "error" in error
    status, preview = call("POST", "/api/v1/campaigns/preview", claims_for(registry, "tanphu.bientap"), body)
    assert status == 200 and preview["audience"] == 12
    status, paused = call(
        "POST", f"/api/v1/campaigns/{created['id']}/pause", claims_for(registry, "tanphu.bientap")
    )
    assert status == 200 and paused["status"] == "paused"
    status, error = call(
        "POST", f"/api/v1/campaigns/{created['id']}/pause", claims_for(registry, "tanphu.bientap")
    )
    assert status == 409


def test_the_sweep_recounts_a_stalled_campaign_from_its_delivery_records(aws_stack: Any) -> None:
    seed_followers(aws.table(), [OA], 60, NOW, outside_window=5)
    service = CampaignService(current_registry(), enqueue=lambda _: None, now=lambda: NOW)
    campaign = service.create(
        editor(),
        CampaignRequest.model_validate(
            {"name": "Thông báo", "oa_ids": [OA], "message": {"text": "Xin chào"}}
        ),
    )
    Planner(now=lambda: NOW).plan(campaign.id)
    zalo = FakeZalo()
    for batch in drain(aws_stack):
        sender(zalo, NOW).send_batch(batch)
    # A sender killed outright after recording its deliveries never added its batch's counts.
    store = default_campaign_store()
    store.set_fields(campaign.id, sent=10, status="running", progress_at=iso(NOW))
    later = NOW + timedelta(minutes=20)
    assert Planner(now=lambda: NOW + timedelta(minutes=5)).sweep()["recounted"] == 0
    assert Planner(now=lambda: later).sweep()["recounted"] == 1
    fixed = store.get(campaign.id)
    assert (fixed.status, fixed.sent, fixed.skipped, fixed.total) == ("done", 60, 5, 65)
    assert fixed.skipped_reasons == {"outside_window": 5}


def test_a_ward_commander_sends_to_the_wards_own_oa_and_only_there(aws_stack: Any, registry: Any) -> None:
    commander = claims_for(registry, "hieptan.chihuy")
    status, oas = call("GET", "/api/v1/oas", commander)
    assert status == 200
    assert [o["oa_id"] for o in oas["items"] if o["visible"]] == [OA]  # the form lists only these
    body = {"name": "Họp tổ dân phố", "oa_ids": [OA], "message": {"text": "Mời bà con dự họp tối thứ Bảy."}}
    status, created = call("POST", "/api/v1/campaigns", commander, body)
    assert status == 201, created
    other = {**body, "oa_ids": ["2200000000000000002"]}  # Hòa Thạnh ward's OA
    status, error = call("POST", "/api/v1/campaigns", commander, other)
    assert status == 403 and error["error"]["code"] == "forbidden"
    status, me = call("GET", "/api/v1/me", commander)
    assert me["can_campaign"] is True
    status, me = call("GET", "/api/v1/me", claims_for(registry, "hieptan.canbo"))
    assert me["can_campaign"] is False


def test_preview_counts_tiers_and_a_campaign_beyond_the_quota_is_refused(aws_stack: Any) -> None:
    seed_followers(aws.table(), [OA], 40, NOW, outside_window=7, unfollowed=3)
    left = {"remaining": 100}

    def quota_of(oa_id: str) -> dict[str, Any]:
        return {
            "proactive_limit": 1000,
            "proactive_remaining": left["remaining"],
            "sources": {"proactive_remaining": "zalo"},
        }

    queued: list[str] = []
    service = CampaignService(current_registry(), now=lambda: NOW, quota_of=quota_of, enqueue=queued.append)
    request = CampaignRequest.model_validate({"name": "x", "oa_ids": [OA], "message": {"text": "Xin chào"}})
    preview = service.preview(editor(), request)
    assert preview.tiers == {"reply": 0, "proactive": 40, "broadcast": 0, "zns": 0}
    assert preview.quota_ok is True
    assert preview.quota and preview.quota[0]["proactive_needed"] == 40
    assert preview.quota[0]["proactive_remaining"] == 100

    left["remaining"] = 39  # one short: refused, with the numbers, and nothing is queued
    assert service.preview(editor(), request).quota_ok is False
    with pytest.raises(CampaignError) as refused:
        service.create(editor(), request)
    assert refused.value.code == "quota_exceeded"
    assert "cần 40 tin, còn 39/1000" in refused.value.message
    assert refused.value.details["quota"][0]["proactive_needed"] == 40
    assert queued == []

    # Sent next month, the campaign draws on the new month's full quota.
    later = request.model_copy(update={"send_at": NOW + timedelta(days=40)})
    assert service.preview(editor(), later).quota_ok is True


def test_per_recipient_delivery_records_show_pseudonyms_and_reasons(aws_stack: Any, registry: Any) -> None:
    from anninh import crypto
    from anninh.campaigns.store import default_deliveries

    commander = claims_for(registry, "hieptan.chihuy")
    body = {"name": "Thông báo họp", "oa_ids": [OA], "message": {"text": "Mời bà con dự họp tổ dân phố."}}
    status, created = call("POST", "/api/v1/campaigns", commander, body)
    assert status == 201, created
    store = default_deliveries()
    now = datetime.now(UTC)
    store.record(created["id"], OA, "u-capped", status="skipped", reason="capped", now=now)
    store.record(created["id"], OA, "u-window", status="skipped", reason="window", now=now)
    status, page = call("GET", f"/api/v1/campaigns/{created['id']}/deliveries", commander)
    assert status == 200, page
    assert {i["recipient"] for i in page["items"]} == {
        crypto.pseudonym("p-hiep-tan", "u-capped"),
        crypto.pseudonym("p-hiep-tan", "u-window"),
    }
    assert all(i["status_label"] == "Bỏ qua" and i["reason_label"] for i in page["items"])
    assert "u-capped" not in str(page)  # never the Zalo id
    status, _ = call(
        "GET", f"/api/v1/campaigns/{created['id']}/deliveries", claims_for(registry, "hoathanh.canbo")
    )
    assert status == 404  # another ward does not even learn the campaign exists

"""The media worker against moto S3: bytes stored with SHA-256 and tags; hostile URLs never fetched."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx
import pytest

from anninh import aws, wiring
from anninh.cases import store
from anninh.media.fetcher import MediaFetcher, TransientFetchError
from anninh.media.guard import parse_allowlist
from anninh.media.queue import MediaJob
from anninh.media.storage import S3Sink
from anninh.media.worker import MediaWorker
from anninh.settings import get_settings
from localcloud.lambdas import invoke
from tests.integration.test_inbound_support import (
    FakeBot,
    drain_inbound,
    post,
    receive_all,
    reset_bot,
    stack_sqs,
    use_bot,
)

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 40


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> Any:
    wiring.reset()
    yield
    wiring.reset()
    reset_bot()


def worker(handler: Any, fetched: list[httpx.Request]) -> MediaWorker:
    def record(request: httpx.Request) -> httpx.Response:
        fetched.append(request)
        response: httpx.Response = handler(request)
        return response

    settings = get_settings()
    s3 = aws.client("s3")
    fetcher = MediaFetcher(
        parse_allowlist(settings.media_allowed_hosts),
        resolve=lambda host, port: ["203.119.73.10"],
        transport=httpx.MockTransport(record),
    )
    cases = store.default_store()
    return MediaWorker(
        fetcher=fetcher,
        sink_for=lambda key, tags: S3Sink(s3, settings.media_bucket, key, tags),
        get_media=cases.get_media,
        update_media=cases.update_media,
    )


def open_tip_with_photo(stack: Any) -> MediaJob:
    use_bot(FakeBot())
    post("webhook_tip_image.json")
    drain_inbound(stack)
    (message,) = receive_all(stack_sqs(), stack.queue_urls["MediaQueue"])
    return MediaJob.model_validate_json(message["Body"])


def test_photo_bytes_land_in_s3_with_checksum_and_tags(aws_stack: Any) -> None:
    job = open_tip_with_photo(aws_stack)
    fetched: list[httpx.Request] = []
    w = worker(lambda r: httpx.Response(200, content=JPEG), fetched)
    assert w.process(job) == "stored"
    item = store.default_store().get_media(job.case_id, job.sk)
    assert item is not None and item["status"] == "stored"
    assert item["sha256"] == hashlib.sha256(JPEG).hexdigest() and int(item["size"]) == len(JPEG)
    assert item["s3_key"] == f"media/{job.case_id}/{job.media_id}" and item["content_type"] == "image/jpeg"
    s3 = aws.client("s3")
    bucket = get_settings().media_bucket
    stored = s3.get_object(Bucket=bucket, Key=item["s3_key"])
    assert stored["Body"].read() == JPEG and stored["ContentType"] == "image/jpeg"
    tags = {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=bucket, Key=item["s3_key"])["TagSet"]}
    assert tags["case_id"] == job.case_id and tags["kind"] == "image"
    # Redelivered job: nothing fetched again.
    assert w.process(job) == "already_done" and len(fetched) == 1


def test_transient_failures_are_retried_then_recorded(aws_stack: Any) -> None:
    job = open_tip_with_photo(aws_stack)
    w = worker(lambda r: httpx.Response(503), [])
    with pytest.raises(TransientFetchError):
        w.process(job, attempt=1)
    assert (store.default_store().get_media(job.case_id, job.sk) or {})["status"] == "retrying"
    assert w.process(job, attempt=4) == "failed"
    item = store.default_store().get_media(job.case_id, job.sk) or {}
    assert item["status"] == "failed" and "retries_exhausted" in item["reason"]


HOSTILE = [
    "http://127.0.0.1:3000/_local/health",
    "https://169.254.169.254/latest/meta-data/",
    "https://photo-stal-1.zdn.vn:8443/a.jpg",
    "file:///etc/passwd",
    "ftp://photo-stal-1.zdn.vn/a.jpg",
    "https://[::1]/a.jpg",
    "https://2130706433/a.jpg",
]


def test_media_function_refuses_hostile_urls_without_fetching(aws_stack: Any) -> None:
    job = open_tip_with_photo(aws_stack)
    for n, url in enumerate(HOSTILE):
        hostile = job.model_copy(update={"url": url})
        store.default_store().update_media(job.case_id, job.sk, status="pending", permanent=False)
        event = {
            "Records": [
                {
                    "messageId": f"m-{n}",
                    "receiptHandle": "r-1",
                    "body": hostile.model_dump_json(),
                    "attributes": {
                        "ApproximateReceiveCount": "1",
                        "SentTimestamp": "0",
                        "SenderId": "x",
                        "ApproximateFirstReceiveTimestamp": "0",
                    },
                    "messageAttributes": {},
                    "md5OfBody": "x",
                    "eventSource": "aws:sqs",
                    "eventSourceARN": "arn:aws:sqs:ap-southeast-1:123456789012:anninh-local-MediaQueue",
                    "awsRegion": "ap-southeast-1",
                }
            ]
        }
        assert invoke("MediaFunction", event) == {"batchItemFailures": []}, url  # recorded, not retried
        item = store.default_store().get_media(job.case_id, job.sk) or {}
        assert item["status"] == "failed" and item["permanent"] is True and item["reason"], url
        assert "s3_key" not in item
    objects = aws.client("s3").list_objects_v2(Bucket=get_settings().media_bucket).get("KeyCount", 0)
    assert objects == 0


def test_sample_media_event_is_valid() -> None:
    from tests.conftest import load_event

    record = load_event("sqs_media_image.json")["Records"][0]
    assert MediaJob.model_validate(json.loads(record["body"])).kind == "image"

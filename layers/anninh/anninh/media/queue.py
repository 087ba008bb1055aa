"""Hand-off of attachment downloads from the inbound pipeline to the media worker (standard queue)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from anninh import aws
from anninh.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef


class MediaJob(BaseModel):
    case_id: str
    sk: str  # the MEDIA child item's sort key
    media_id: str
    kind: str  # image, gif, video, file, audio
    url: str


def send_media_jobs(jobs: list[dict[str, Any]], sqs: SQSClient | None = None) -> None:
    sqs = sqs or aws.client("sqs")
    url = get_settings().media_queue_url
    for start in range(0, len(jobs), 10):
        entries: list[SendMessageBatchRequestEntryTypeDef] = [
            {"Id": str(i), "MessageBody": MediaJob.model_validate(j).model_dump_json()}
            for i, j in enumerate(jobs[start : start + 10])
        ]
        result = sqs.send_message_batch(QueueUrl=url, Entries=entries)
        if result.get("Failed"):
            raise RuntimeError(f"media enqueue failed: {json.dumps(result['Failed'])}")

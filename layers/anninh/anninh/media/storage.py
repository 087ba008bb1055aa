"""A streaming S3 sink (the bucket encrypts with the PII key by default): small files in one
PutObject, larger ones as a multipart upload whose parts
are uploaded as they fill, so at most one part (8 MiB) is held in memory."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef

PART_SIZE = 8 * 1024 * 1024  # S3's minimum part size is 5 MiB


def media_key(case_id: str, media_id: str) -> str:
    return f"media/{case_id}/{media_id}"


class S3Sink:
    def __init__(
        self, s3: S3Client, bucket: str, key: str, tags: dict[str, str], part_size: int = PART_SIZE
    ) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.key = key
        self.tagging = urlencode(tags)
        self.part_size = part_size
        self.content_type = "application/octet-stream"
        self.buffer = bytearray()
        self.upload_id: str | None = None
        self.parts: list[CompletedPartTypeDef] = []

    def start(self, content_type: str) -> None:
        self.content_type = content_type

    def write(self, chunk: bytes) -> None:
        self.buffer += chunk
        while len(self.buffer) >= self.part_size:
            self._upload_part(bytes(self.buffer[: self.part_size]))
            del self.buffer[: self.part_size]

    def _upload_part(self, body: bytes) -> None:
        if self.upload_id is None:
            created = self.s3.create_multipart_upload(
                Bucket=self.bucket, Key=self.key, ContentType=self.content_type, Tagging=self.tagging
            )
            self.upload_id = created["UploadId"]
        number = len(self.parts) + 1
        result = self.s3.upload_part(
            Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, PartNumber=number, Body=body
        )
        self.parts.append({"PartNumber": number, "ETag": result["ETag"]})

    def finish(self) -> None:
        if self.upload_id is None:
            self.s3.put_object(
                Bucket=self.bucket,
                Key=self.key,
                Body=bytes(self.buffer),
                ContentType=self.content_type,
                Tagging=self.tagging,
            )
        else:
            if self.buffer:
                self._upload_part(bytes(self.buffer))
            self.s3.complete_multipart_upload(
                Bucket=self.bucket,
                Key=self.key,
                UploadId=self.upload_id,
                MultipartUpload={"Parts": self.parts},
            )
        self.buffer = bytearray()

    def abort(self) -> None:
        if self.upload_id is not None:
            self.s3.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id)
            self.upload_id = None
        self.buffer = bytearray()

"""Media download: pinned address, redirects, caps, sniffing, SHA-256, streaming upload in parts."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest

from anninh.media.fetcher import MediaFetcher, TransientFetchError
from anninh.media.guard import Refused, parse_allowlist
from anninh.media.storage import S3Sink
from anninh.settings import DEFAULT_MEDIA_HOSTS

PUBLIC = "203.119.73.10"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + bytes(range(256)) * 8
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 2000


class MemorySink:
    def __init__(self) -> None:
        self.content_type: str | None = None
        self.data = bytearray()
        self.finished = self.aborted = False

    def start(self, content_type: str) -> None:
        self.content_type = content_type

    def write(self, chunk: bytes) -> None:
        self.data += chunk

    def finish(self) -> None:
        self.finished = True

    def abort(self) -> None:
        self.aborted = True


def fetcher(
    handler: Any, dns: dict[str, list[str]] | None = None
) -> tuple[MediaFetcher, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        response: httpx.Response = handler(request)
        return response

    answers = dns or {}
    f = MediaFetcher(
        parse_allowlist(DEFAULT_MEDIA_HOSTS),
        resolve=lambda h, p: answers.get(h, [PUBLIC]),
        transport=httpx.MockTransport(record),
    )
    return f, seen


def test_downloads_from_the_vetted_address_with_the_cdn_host_header() -> None:
    f, seen = fetcher(lambda r: httpx.Response(200, content=JPEG, headers={"content-type": "text/html"}))
    sink = MemorySink()
    result = f.download("https://photo-stal-1.zdn.vn/demo/a.jpg", "image", sink)
    assert bytes(sink.data) == JPEG and sink.finished
    assert result.sha256 == hashlib.sha256(JPEG).hexdigest() and result.size == len(JPEG)
    assert result.content_type == "image/jpeg" == sink.content_type  # sniffed, not the header's claim
    (request,) = seen
    assert request.url.host == PUBLIC and request.headers["host"] == "photo-stal-1.zdn.vn"
    assert request.extensions.get("sni_hostname") == "photo-stal-1.zdn.vn"


def test_redirect_to_loopback_or_another_host_is_refused() -> None:
    for location in (
        "http://127.0.0.1/a.jpg",
        "https://127.0.0.1/a.jpg",
        "https://169.254.169.254/",
        "https://other.zdn.vn/a.jpg",
        "https://evil.com/a.jpg",
        "file:///etc/passwd",
    ):
        f, seen = fetcher(lambda r, loc=location: httpx.Response(302, headers={"location": loc}))
        with pytest.raises(Refused):
            f.download("https://photo-stal-1.zdn.vn/demo/a.jpg", "image", MemorySink())
        assert len(seen) == 1, location  # the redirect target is never requested


def test_same_host_redirect_is_followed_but_not_forever() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/a.jpg":
            return httpx.Response(301, headers={"location": "/b.jpg"})
        return httpx.Response(200, content=JPEG)

    f, seen = fetcher(handler)
    assert f.download("https://cdn.zdn.vn/a.jpg", "image", MemorySink()).size == len(JPEG)
    assert [r.url.path for r in seen] == ["/a.jpg", "/b.jpg"]
    loop, seen = fetcher(lambda r: httpx.Response(302, headers={"location": "/again"}))
    with pytest.raises(Refused, match="too_many_redirects"):
        loop.download("https://cdn.zdn.vn/a.jpg", "image", MemorySink())
    assert len(seen) == 4


def test_dns_rebinding_to_private_address_is_refused() -> None:
    f, seen = fetcher(lambda r: httpx.Response(200, content=JPEG), dns={"cdn.zdn.vn": ["127.0.0.1"]})
    with pytest.raises(Refused, match="private_address"):
        f.download("https://cdn.zdn.vn/a.jpg", "image", MemorySink())
    assert seen == []


def test_size_caps_by_declared_length_and_while_streaming() -> None:
    big = 11 * 1024 * 1024
    f, _ = fetcher(lambda r: httpx.Response(200, headers={"content-length": str(big)}, content=b""))
    with pytest.raises(Refused, match="too_large"):
        f.download("https://cdn.zdn.vn/a.jpg", "image", MemorySink())

    def lying(request: httpx.Request) -> httpx.Response:  # no length header, endless stream
        def chunks() -> Any:
            yield JPEG
            for _ in range(200):
                yield b"\x00" * 65536

        return httpx.Response(200, content=chunks())

    f, _ = fetcher(lying)
    sink = MemorySink()
    with pytest.raises(Refused, match="too_large"):
        f.download("https://cdn.zdn.vn/a.jpg", "image", sink)
    assert len(sink.data) <= 10 * 1024 * 1024
    assert sink.aborted and not sink.finished


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"<!DOCTYPE html><html><body>login</body></html>", "image"),
        (b"  <html><script>x</script>", "file"),
        (b"MZ\x90\x00" + b"\x00" * 100, "file"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image"),
        (JPEG, "video"),
        (MP4, "image"),
        (b"\x00\x01\x02\x03garbage", "file"),
    ],
)
def test_content_is_sniffed_and_wrong_types_refused(content: bytes, kind: str) -> None:
    f, _ = fetcher(lambda r: httpx.Response(200, content=content, headers={"content-type": "image/jpeg"}))
    with pytest.raises(Refused, match="type_not_allowed"):
        f.download("https://cdn.zdn.vn/x", kind, MemorySink())


def test_accepted_types() -> None:
    for content, kind, mime in (
        (MP4, "video", "video/mp4"),
        (b"%PDF-1.7\n" + b"x" * 100, "file", "application/pdf"),
        (b"#!AMR\n" + b"\x00" * 50, "audio", "audio/amr"),
        (JPEG, "file", "image/jpeg"),
    ):
        f, _ = fetcher(lambda r, c=content: httpx.Response(200, content=c))
        assert f.download("https://cdn.zdn.vn/x", kind, MemorySink()).content_type == mime


def test_http_errors_permanent_or_transient() -> None:
    f, _ = fetcher(lambda r: httpx.Response(404))
    with pytest.raises(Refused, match="http_404"):
        f.download("https://cdn.zdn.vn/x", "image", MemorySink())
    f, _ = fetcher(lambda r: httpx.Response(503))
    with pytest.raises(TransientFetchError):
        f.download("https://cdn.zdn.vn/x", "image", MemorySink())

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    f, _ = fetcher(down)
    with pytest.raises(TransientFetchError):
        f.download("https://cdn.zdn.vn/x", "image", MemorySink())


class FakeS3:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.largest_body = 0

    def __getattr__(self, name: str) -> Any:
        def call(**kwargs: Any) -> dict[str, Any]:
            body = kwargs.get("Body")
            if isinstance(body, bytes | bytearray):
                self.largest_body = max(self.largest_body, len(body))
            self.calls.append((name, {k: v for k, v in kwargs.items() if k != "Body"}))
            return {"UploadId": "u1", "ETag": f'"{len(self.calls)}"'}

        return call


def test_large_video_is_uploaded_in_parts_never_whole() -> None:
    part = 5 * 1024 * 1024
    total = 3 * part + 123

    def stream(request: httpx.Request) -> httpx.Response:
        def chunks() -> Any:
            yield MP4
            sent = len(MP4)
            while sent < total:
                n = min(256 * 1024, total - sent)
                sent += n
                yield b"\x01" * n

        return httpx.Response(200, content=chunks())

    f, _ = fetcher(stream)
    s3 = FakeS3()
    sink = S3Sink(s3, "bucket", "media/c/m", {"case_id": "c"}, part_size=part)
    result = f.download("https://cdn.zdn.vn/v.mp4", "video", sink)
    names = [c[0] for c in s3.calls]
    assert names == [
        "create_multipart_upload",
        "upload_part",
        "upload_part",
        "upload_part",
        "upload_part",
        "complete_multipart_upload",
    ]
    assert s3.calls[0][1]["Tagging"] == "case_id=c" and s3.calls[0][1]["ContentType"] == "video/mp4"
    assert s3.largest_body <= part and result.size == total


def test_small_file_is_one_put_and_failed_multipart_is_aborted() -> None:
    s3 = FakeS3()
    sink = S3Sink(s3, "bucket", "k", {"a": "b"}, part_size=10)
    sink.start("image/jpeg")
    sink.write(b"12345")
    sink.finish()
    assert [c[0] for c in s3.calls] == ["put_object"]
    s3 = FakeS3()
    sink = S3Sink(s3, "bucket", "k", {}, part_size=10)
    sink.write(b"x" * 25)
    sink.abort()
    assert [c[0] for c in s3.calls][-1] == "abort_multipart_upload"

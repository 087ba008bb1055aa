"""Streaming, SSRF-safe download of one attachment into a sink (the S3 writer).

Connects to the address the guard vetted (Host header and TLS SNI carry the name), follows at most
MAX_REDIRECTS redirects and only to the same host (each re-vetted), enforces the per-type size cap
while streaming (Content-Length is checked first but not trusted), sniffs the real type from the first
bytes and computes SHA-256 on the way through. Nothing is held in memory beyond one upload part.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urljoin

from anninh.media.guard import AllowEntry, Refused, Resolver, Target, system_resolver, vet
from anninh.media.sniff import ALLOWED_FAMILIES, SIZE_CAPS, SNIFF_BYTES, Sniffed, sniff

if TYPE_CHECKING:  # imported on first use: httpx costs ~0.1 s of a cold start
    import httpx

MAX_REDIRECTS = 3
CHUNK = 256 * 1024
PERMANENT_STATUSES = frozenset({400, 401, 403, 404, 405, 410, 451})


class TransientFetchError(Exception):
    """Worth retrying later (network error, 5xx, 429)."""


class Sink(Protocol):
    def start(self, content_type: str) -> None: ...
    def write(self, chunk: bytes) -> None: ...
    def finish(self) -> None: ...
    def abort(self) -> None: ...


@dataclass(frozen=True)
class Downloaded:
    size: int
    sha256: str
    content_type: str
    family: str
    final_url: str


class MediaFetcher:
    def __init__(
        self,
        allowlist: list[AllowEntry],
        resolve: Resolver = system_resolver,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 20.0,
    ) -> None:
        self.allowlist = allowlist
        self.resolve = resolve
        import httpx

        self.client = httpx.Client(
            transport=transport,
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(timeout, connect=5.0),
        )

    def _request(self, target: Target) -> httpx.Request:
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        return self.client.build_request(
            "GET",
            target.connect_url,
            headers={"Host": target.host_header, "User-Agent": "AnNinhOA-media/1.0", "Accept": "*/*"},
            extensions=extensions,
        )

    def download(self, url: str, kind: str, sink: Sink) -> Downloaded:
        if kind not in SIZE_CAPS:
            raise Refused("kind_not_supported")
        cap = SIZE_CAPS[kind]
        target = vet(url, self.allowlist, self.resolve)
        import httpx

        for _ in range(MAX_REDIRECTS + 1):
            try:
                response = self.client.send(self._request(target), stream=True)
            except httpx.HTTPError as exc:
                raise TransientFetchError(f"network: {type(exc).__name__}") from exc
            try:
                if response.status_code in (301, 302, 303, 307, 308):
                    location = response.headers.get("location")
                    if not location:
                        raise Refused("redirect_without_location")
                    next_target = vet(urljoin(target.url, location), self.allowlist, self.resolve)
                    if next_target.host != target.host:
                        raise Refused("redirect_to_other_host")
                    target = next_target
                    continue
                return self._store(response, target, kind, cap, sink)
            finally:
                response.close()
        raise Refused("too_many_redirects")

    def _store(self, response: httpx.Response, target: Target, kind: str, cap: int, sink: Sink) -> Downloaded:
        import httpx

        status = response.status_code
        if status in PERMANENT_STATUSES:
            raise Refused(f"http_{status}")
        if status != 200:
            raise TransientFetchError(f"http_{status}")
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise Refused("too_large")
        digest = hashlib.sha256()
        head = b""
        sniffed: Sniffed | None = None
        size = 0
        started = False
        try:
            for chunk in response.iter_bytes(CHUNK):
                size += len(chunk)
                if size > cap:
                    raise Refused("too_large")
                digest.update(chunk)
                if sniffed is None:
                    head += chunk
                    if len(head) < SNIFF_BYTES:
                        continue
                    sniffed = self._check(head, kind)
                    sink.start(sniffed.mime)
                    started = True
                    sink.write(head)
                    head = b""
                else:
                    sink.write(chunk)
            if sniffed is None:
                if size == 0:
                    raise Refused("empty")
                sniffed = self._check(head, kind)
                sink.start(sniffed.mime)
                started = True
                sink.write(head)
            sink.finish()
        except httpx.HTTPError as exc:
            if started:
                sink.abort()
            raise TransientFetchError(f"network: {type(exc).__name__}") from exc
        except BaseException:
            if started:
                sink.abort()
            raise
        return Downloaded(
            size=size,
            sha256=digest.hexdigest(),
            content_type=sniffed.mime,
            family=sniffed.family,
            final_url=target.url,
        )

    @staticmethod
    def _check(head: bytes, kind: str) -> Sniffed:
        sniffed = sniff(head)
        if sniffed.family not in ALLOWED_FAMILIES[kind]:
            raise Refused(f"type_not_allowed:{sniffed.mime}")
        return sniffed

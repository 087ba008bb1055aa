"""Server-side request forgery guard for attachment URLs.

A URL is fetched only when:
- its scheme is https (plain http only for a host allowlisted with an explicit port, e.g. a local
  fake CDN `127.0.0.1:3001`), it has no user-info, and its port is the default or the allowlisted one;
- its host matches the allowlist (`*.zdn.vn` matches any subdomain of zdn.vn, never zdn.vn.evil.com);
- every address its name resolves to is public: loopback, private, link-local (incl. the
  169.254.169.254 metadata service), CGNAT, multicast, reserved and unspecified addresses are refused
  unless that exact host (not a wildcard) is allowlisted.
The caller connects to the vetted address itself (no second DNS lookup, so no DNS rebinding).
IP literals in any spelling (decimal 2130706433, octal 0177.0.0.1, hex 0x7f.1, [::1],
[::ffff:127.0.0.1]) are not allowlisted names, so they are refused before anything is resolved.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

Resolver = Callable[[str, int], list[str]]

_HOST_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$")
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
MAX_URL_LENGTH = 4096


class Refused(Exception):
    """The URL must not be fetched (permanent: recorded on the case, never retried)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class AllowEntry:
    host: str  # "cdn.zdn.vn", "*.zdn.vn" or an IP literal "127.0.0.1"
    port: int | None = None

    @property
    def exact(self) -> bool:
        return not self.host.startswith("*.")

    def matches_host(self, host: str) -> bool:
        if self.exact:
            return host == self.host
        return host.endswith(self.host[1:]) and len(host) > len(self.host) - 1


def parse_allowlist(entries: Iterable[str]) -> list[AllowEntry]:
    """`host[:port]` entries (`[v6]:port` for IPv6 literals); blank entries ignored."""
    out: list[AllowEntry] = []
    for raw in entries:
        entry = raw.strip().lower()
        if not entry:
            continue
        port: int | None = None
        if entry.startswith("["):
            host, _, rest = entry[1:].partition("]")
            if rest.startswith(":"):
                port = int(rest[1:])
        elif entry.count(":") == 1:
            host, _, port_text = entry.partition(":")
            port = int(port_text)
        else:
            host = entry
        out.append(AllowEntry(host, port))
    return out


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A globally routable unicast address (what a CDN edge has)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public(address.ipv4_mapped)
        if address.is_site_local:
            return False
    if address in _METADATA or (isinstance(address, ipaddress.IPv4Address) and address in _CGNAT):
        return False
    if (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    ):
        return False
    return address.is_global


@dataclass(frozen=True)
class Target:
    """A vetted URL: what to connect to (ip, port) and what to ask for (host, path)."""

    url: str
    scheme: str
    host: str
    port: int
    path: str  # path + query
    ip: str

    @property
    def connect_url(self) -> str:
        ip = f"[{self.ip}]" if ":" in self.ip else self.ip
        return f"{self.scheme}://{ip}:{self.port}{self.path}"

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        return self.host if self.port == default else f"{self.host}:{self.port}"


_Literal = ipaddress.IPv4Address | ipaddress.IPv6Address


def _split(url: str) -> SplitResult:
    """The URL's parts, if it is a well-formed http(s) URL without userinfo; raise Refused otherwise."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise Refused("bad_url")
    if any(c in url for c in "\\\t\r\n ") or any(ord(c) < 32 or ord(c) == 127 for c in url):
        raise Refused("bad_url")
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a port out of range or not a number
    except ValueError as exc:
        raise Refused("bad_url") from exc
    if parts.scheme.lower() not in ("https", "http"):
        raise Refused("scheme_not_allowed")
    if "@" in parts.netloc or parts.username or parts.password:
        raise Refused("userinfo_not_allowed")
    return parts


def _host(parts: SplitResult) -> tuple[str, _Literal | None]:
    """The lower-cased host name and, when it is an IP literal, the address."""
    host = (parts.hostname or "").lower()
    if not host:
        raise Refused("bad_url")
    try:
        return host, ipaddress.ip_address(host)
    except ValueError:
        if not _HOST_RE.match(host):
            raise Refused("bad_host") from None
    return host, None


def _entry(allowlist: list[AllowEntry], host: str, scheme: str, port: int) -> AllowEntry:
    """The allowlist entry for the host, if it also allows the scheme and port."""
    entry = next((e for e in allowlist if e.matches_host(host)), None)
    if entry is None:
        raise Refused("host_not_allowed")
    if entry.port is None:
        if scheme != "https":
            raise Refused("scheme_not_allowed")
        if port != 443:
            raise Refused("port_not_allowed")
    elif port != entry.port:
        raise Refused("port_not_allowed")
    return entry


def _addresses(
    host: str, port: int, literal: _Literal | None, entry: AllowEntry, resolve: Resolver
) -> list[str]:
    """The addresses to connect to: resolved once, none private unless the entry names the host exactly."""
    if literal is not None:
        if not entry.exact:
            raise Refused("host_not_allowed")
        addresses = [str(literal)]
    else:
        try:
            addresses = resolve(host, port)
        except OSError as exc:
            raise Refused("dns_failed") from exc
    if not addresses:
        raise Refused("dns_failed")
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if not is_public(address) and not entry.exact:
            raise Refused("private_address")
    return addresses


def vet(url: str, allowlist: list[AllowEntry], resolve: Resolver = system_resolver) -> Target:
    """Check a URL against the rules above and resolve it once; raise Refused otherwise."""
    parts = _split(url)
    scheme = parts.scheme.lower()
    host, literal = _host(parts)
    port = parts.port if parts.port is not None else (443 if scheme == "https" else 80)
    entry = _entry(allowlist, host, scheme, port)
    addresses = _addresses(host, port, literal, entry, resolve)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(url=url, scheme=scheme, host=host, port=port, path=path, ip=addresses[0])

"""SSRF guard: only allowlisted hosts, default ports, public addresses; hostile URLs never resolve."""

from __future__ import annotations

import pytest

from anninh.media.guard import Refused, parse_allowlist, vet
from anninh.settings import DEFAULT_MEDIA_HOSTS

DEFAULT = parse_allowlist(DEFAULT_MEDIA_HOSTS)
PUBLIC = "203.119.73.10"


class Dns:
    """A fake resolver that records every lookup (a refused URL must not even be resolved)."""

    def __init__(self, answers: dict[str, list[str]] | None = None) -> None:
        self.answers = answers or {}
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        return self.answers.get(host, [PUBLIC])


def test_cdn_url_is_vetted_and_pinned_to_the_resolved_address() -> None:
    dns = Dns()
    target = vet("https://photo-stal-1.zdn.vn/a/b.jpg?x=1", DEFAULT, dns)
    assert (target.host, target.port, target.ip) == ("photo-stal-1.zdn.vn", 443, PUBLIC)
    assert target.connect_url == f"https://{PUBLIC}:443/a/b.jpg?x=1"
    assert target.host_header == "photo-stal-1.zdn.vn"
    assert dns.asked == ["photo-stal-1.zdn.vn"]


HOSTILE = [
    "http://127.0.0.1/",
    "https://127.0.0.1/",
    "https://localhost/",
    "http://169.254.169.254/latest/meta-data/",
    "https://169.254.169.254/",
    "https://[::1]/",
    "https://[::ffff:127.0.0.1]/",
    "https://[fd00:ec2::254]/",
    "https://2130706433/",
    "https://0x7f000001/",
    "https://0177.0.0.1/",
    "https://127.1/",
    "https://0/",
    "https://0.0.0.0/",
    "https://10.0.0.5/",
    "https://192.168.1.1/",
    "https://[fe80::1]/",
    "file:///etc/passwd",
    "ftp://cdn.zdn.vn/a",
    "gopher://cdn.zdn.vn/",
    "dict://cdn.zdn.vn:11211/",
    "http://cdn.zdn.vn/a.jpg",  # plain http to a CDN host
    "https://cdn.zdn.vn:8443/a.jpg",
    "https://cdn.zdn.vn:80/a.jpg",
    "https://cdn.zdn.vn:22/",
    "https://evil.com/a.jpg",
    "https://zdn.vn.evil.com/a.jpg",
    "https://evilzdn.vn/a.jpg",
    "https://cdn.zdn.vn@127.0.0.1/",
    "https://user:pass@cdn.zdn.vn/",
    "https://127.0.0.1\\@cdn.zdn.vn/",
    "https://cdn.zdn.vn\t.evil.com/",
    "https://cdn.zdn.vn%2f@evil.com/",
    "//cdn.zdn.vn/a",
    "cdn.zdn.vn/a",
    "",
    "https://",
    "https://cdn.zdn.vn:99999/",
    "javascript:alert(1)",
    "data:text/html,<b>x</b>",
    "https://xn--zdn-ppa.vn/",
    "https://cdn.zdn.vn./a",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_urls_are_refused_without_a_lookup(url: str) -> None:
    dns = Dns()
    with pytest.raises(Refused):
        vet(url, DEFAULT, dns)
    assert dns.asked == []


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.0.10",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fd00:ec2::254",
        "::ffff:10.0.0.1",
        "224.0.0.1",
        "240.0.0.1",
    ],
)
def test_allowlisted_name_resolving_to_a_private_address_is_refused(address: str) -> None:
    dns = Dns({"cdn.zdn.vn": [PUBLIC, address]})  # one bad address is enough
    with pytest.raises(Refused, match="private_address"):
        vet("https://cdn.zdn.vn/a.jpg", DEFAULT, dns)


def test_exact_allowlisted_host_with_port_may_be_local_and_http() -> None:
    allow = parse_allowlist(["127.0.0.1:3001", "fake-cdn.local:8443", "*.zdn.vn"])
    target = vet("http://127.0.0.1:3001/media/a.jpg", allow, Dns())
    assert target.ip == "127.0.0.1" and target.connect_url == "http://127.0.0.1:3001/media/a.jpg"
    dns = Dns({"fake-cdn.local": ["127.0.0.1"]})
    assert vet("https://fake-cdn.local:8443/x", allow, dns).ip == "127.0.0.1"
    with pytest.raises(Refused, match="port_not_allowed"):
        vet("http://127.0.0.1:3002/media/a.jpg", allow, Dns())
    with pytest.raises(Refused, match="port_not_allowed"):
        vet("http://127.0.0.1/media/a.jpg", allow, Dns())


def test_wildcard_does_not_match_the_bare_domain_and_override_replaces_default() -> None:
    with pytest.raises(Refused):
        vet("https://zdn.vn/a", DEFAULT, Dns())
    only_local = parse_allowlist(["127.0.0.1:3001"])
    with pytest.raises(Refused, match="host_not_allowed"):
        vet("https://cdn.zdn.vn/a.jpg", only_local, Dns())


def test_dns_failure_is_refused() -> None:
    def broken(host: str, port: int) -> list[str]:
        raise OSError("no such host")

    with pytest.raises(Refused, match="dns_failed"):
        vet("https://cdn.zdn.vn/a.jpg", DEFAULT, broken)

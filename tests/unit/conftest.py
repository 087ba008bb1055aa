"""Unit tests are pure: no moto, no sockets (issue 14, docs/testing.md).

Every test module under tests/unit is imported, and every test set up, run and torn down, with
- `moto` unimportable (hidden from sys.modules if an integration test in the same worker loaded it),
- socket connections and name look-ups refused (a boto3 client without moto, an HTTP call without
  a fake transport).

A test that needs DynamoDB, SQS or the template's resources belongs in tests/integration (the
`aws_stack` fixture); one that starts the local cloud belongs in tests/localcloud or tests/e2e.
Pure logic takes an in-memory fake from tests/fakes instead.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.abc import MetaPathFinder
from typing import Any

import pytest

_WHERE = "use an in-memory fake from tests/fakes, or move the test to tests/integration"


class ImpureUnitTest(RuntimeError):
    """A unit test reached for moto or the network."""


class _MotoBlocker(MetaPathFinder):
    def find_spec(self, fullname: str, path: Any, target: Any = None) -> None:
        if fullname == "moto" or fullname.startswith("moto."):
            raise ImpureUnitTest(f"tests/unit may not import moto ({fullname}): {_WHERE}")
        return None


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise ImpureUnitTest(f"tests/unit may not open a network connection: {_WHERE}")


@contextmanager
def _pure() -> Iterator[None]:
    hidden = {name: mod for name, mod in sys.modules.items() if name == "moto" or name.startswith("moto.")}
    for name in hidden:
        del sys.modules[name]
    blocker = _MotoBlocker()
    sys.meta_path.insert(0, blocker)
    patched = [
        (socket.socket, "connect", socket.socket.connect),
        (socket.socket, "connect_ex", socket.socket.connect_ex),
        (socket, "create_connection", socket.create_connection),
        (socket, "getaddrinfo", socket.getaddrinfo),
    ]
    for owner, attr, _original in patched:
        setattr(owner, attr, _refuse)
    try:
        yield
    finally:
        for owner, attr, original in patched:
            setattr(owner, attr, original)
        sys.meta_path.remove(blocker)
        for name, mod in hidden.items():
            sys.modules.setdefault(name, mod)


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Any:
    with _pure():
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Any:
    with _pure():
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    with _pure():
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    with _pure():
        return (yield)


@pytest.fixture(autouse=True)
def _pepper() -> Iterator[None]:
    """The pseudonym secret's stand-in: keys of conversations, blocks and rate limits hash the Zalo id
    with it (`anninh.keys.citizen_ref`), and a unit test never reads Secrets Manager."""
    from anninh import crypto

    crypto.use_pepper(b"unit-test-pepper")
    yield
    crypto.use_pepper(None)

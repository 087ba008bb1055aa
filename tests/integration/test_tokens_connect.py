"""scripts/connect_oa.py: the PKCE authorization URL and the code exchange into the OA's token secret."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from anninh.registry.store import current_registry, forget_cached_registry
from anninh.zalo.errors import ZaloError
from anninh.zalo.tokens import TokenStore
from scripts import connect_oa
from tests.integration.test_tokens import APP_ID, FakeZalo, stored

NEW_OA = "2200000000000000099"


def test_authorization_url_carries_a_s256_challenge_of_the_verifier(aws_stack: Any) -> None:
    auth = connect_oa.authorization(APP_ID, "https://anninh.example/zalo/callback")
    url = urlparse(auth.url)
    assert (url.scheme, url.netloc, url.path) == ("http", "zalo.test", "/oauth/v4/oa/permission")
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query["app_id"] == APP_ID
    assert query["redirect_uri"] == "https://anninh.example/zalo/callback"
    assert query["state"] == auth.state
    assert 43 <= len(auth.verifier) <= 128
    fake = FakeZalo()
    fake.codes["code-1"] = query["code_challenge"]
    record = connect_oa.connect(NEW_OA, APP_ID, "code-1", auth.verifier, client=fake.client())
    saved = stored(NEW_OA)  # the secret did not exist: it was created
    assert saved["access_token"] == record.access_token
    assert saved["refresh_token"].startswith("R")
    assert TokenStore(client=fake.client()).access_token(NEW_OA) == record.access_token


def test_wrong_verifier_or_reused_code_is_refused(aws_stack: Any) -> None:
    auth = connect_oa.authorization(APP_ID, "https://anninh.example/cb")
    challenge = parse_qs(urlparse(auth.url).query)["code_challenge"][0]
    fake = FakeZalo()
    fake.codes["code-2"] = challenge
    with pytest.raises(ZaloError) as caught:
        connect_oa.connect(NEW_OA, APP_ID, "code-2", "not-the-verifier", client=fake.client())
    assert caught.value.kind == "token"
    with pytest.raises(ZaloError):
        connect_oa.connect(NEW_OA, APP_ID, "code-2", auth.verifier, client=fake.client())


def test_pasted_redirect_url_is_checked_against_the_state() -> None:
    assert connect_oa.code_from("https://x/cb?code=abc&oa_id=1&state=s1", "s1") == "abc"
    assert connect_oa.code_from("  abc  ", "s1") == "abc"
    with pytest.raises(SystemExit):
        connect_oa.code_from("https://x/cb?code=abc&state=forged", "s1")


def test_command_registers_the_oa_and_stores_its_tokens(
    aws_stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeZalo()
    verifier, challenge = connect_oa.pkce_pair()
    fake.codes["code-3"] = challenge
    monkeypatch.setattr(connect_oa, "ZaloClient", fake.client)
    status = connect_oa.main(
        [
            "--oa-id",
            NEW_OA,
            "--app-id",
            APP_ID,
            "--code",
            "code-3",
            f"--verifier={verifier}",  # a url-safe verifier may start with "-" (1 in 64)
            "--register",
            "--name",
            "Công an phường Mới",
            "--unit-id",
            "p-hiep-tan",
        ]
    )
    assert status == 0
    forget_cached_registry()
    oa = current_registry().oa(NEW_OA)
    assert oa is not None and oa.unit_id == "p-hiep-tan"
    assert stored(NEW_OA)["oa_id"] == NEW_OA

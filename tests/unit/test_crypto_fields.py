"""Field encryption (issue 11, items 7 and 11): sealed by structure, bound to record and field."""

from __future__ import annotations

import os
from typing import Any

import pytest

from anninh import crypto
from tests.fakes.kms import FakeKms


@pytest.fixture
def kms() -> Any:
    crypto.reset_crypto_caches()
    yield FakeKms()
    crypto.reset_crypto_caches()


def test_sealed_values_are_maps_and_text_that_looks_sealed_is_only_text(kms: FakeKms) -> None:
    sealed = crypto.encrypt_text("Có người lạ cạy khóa xe", kms, "CASE#c1|summary")
    assert isinstance(sealed, dict) and crypto.is_encrypted(sealed) and "cạy" not in str(sealed)
    assert crypto.decrypt_text(sealed, kms, "CASE#c1|summary") == "Có người lạ cạy khóa xe"
    typed = "enc:v1:AAAA:BBBB"
    assert not crypto.is_encrypted(typed)
    assert crypto.decrypt_text(typed, kms, "CONV#x|text", legacy=False) == typed
    assert crypto.open_or_none(typed, "CONV#x|text") == typed


def test_a_ciphertext_moved_to_another_record_or_field_does_not_open(kms: FakeKms) -> None:
    sealed = crypto.encrypt_text("0909 123 456", kms, "CASE#c1|summary")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_text(sealed, kms, "CASE#c2|summary")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_text(sealed, kms, "CASE#c1|address")
    assert crypto.open_or_none(sealed, "CASE#c2|summary") is None


def test_one_kms_call_per_data_key_and_the_key_cache_is_bounded(kms: FakeKms) -> None:
    for i in range(50):
        crypto.encrypt_text(f"tin {i}", kms, f"CASE#{i}|summary")
    assert kms.calls == ["GenerateDataKey"]
    # Values sealed under many other data keys (other containers, other hours): the cache stays bounded.
    others = []
    for i in range(crypto.MAX_CACHED_KEYS + 20):
        crypto.reset_crypto_caches()
        others.append(crypto.encrypt_text(f"x{i}", kms, f"C#{i}|t"))
    crypto.reset_crypto_caches()
    for i, value in enumerate(others):
        assert crypto.decrypt_text(value, kms, f"C#{i}|t") == f"x{i}"
    assert len(crypto._plain_keys) == crypto.MAX_CACHED_KEYS


def test_legacy_values_open_only_where_asked(kms: FakeKms) -> None:
    import base64

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    made = kms.generate_data_key(KeyId="k", KeySpec="AES_256")
    nonce = os.urandom(12)
    body = AESGCM(made["Plaintext"]).encrypt(nonce, "Nguyễn Văn An".encode(), None)
    legacy = (
        crypto.LEGACY_PREFIX
        + base64.b64encode(made["CiphertextBlob"]).decode()
        + ":"
        + base64.b64encode(nonce + body).decode()
    )
    assert crypto.decrypt_text(legacy, kms) == "Nguyễn Văn An"
    assert crypto.decrypt_text(legacy, kms, legacy=False) == legacy


def test_a_zalo_id_sealed_to_its_item_opens_there_only(kms: FakeKms) -> None:
    """Follower records, campaign deliveries and queue tickets keep the id this way (issue 11, item 11)."""
    from anninh import keys

    user_id = "8400000000000004242"
    key = keys.follower("2200000000000000001", user_id)
    assert user_id not in key["SK"]  # the key carries the keyed hash
    sealed = crypto.seal_field(key, "user_id", user_id, kms)
    assert crypto.is_encrypted(sealed) and user_id not in str(sealed)
    assert crypto.open_field({**key, "user_id": sealed}, "user_id", kms) == user_id
    # Copied onto another citizen's record, or into another field, it does not open.
    other = keys.follower("2200000000000000001", "8400000000000009999")
    assert crypto.open_field({**other, "user_id": sealed}, "user_id", kms) is None
    assert crypto.open_field({**key, "owner": sealed}, "owner", kms) is None
    # A record written before sealing keeps a plain id, read as it is; a missing one is None.
    assert crypto.open_field({**key, "user_id": user_id}, "user_id", kms) == user_id
    assert crypto.open_field(key, "user_id", kms) is None

"""PII protection: field-level envelope encryption with the KMS PII key, keyed hashes, pseudonyms.

Encryption: one KMS data key per container (re-made hourly) encrypts fields with AES-256-GCM. A sealed
value is a *map*, never a string: `{"v": 2, "k": <b64 encrypted data key>, "n": <b64 nonce>, "ct": <b64
ciphertext+tag>}`. What marks a value as encrypted is that structure, so text a citizen types (for
example "enc:v1:AAAA:BBBB") is only ever text. The associated data binds a ciphertext to its place:
`context` names the record and the field (e.g. "CASE#<id>|summary"), and decrypting under any other
context fails, so a ciphertext copied to another record or field does not open there.

Decrypting needs KMS once per data key per container; plaintext data keys are cached in a bounded LRU
(`MAX_CACHED_KEYS`). `kms_calls` counts the KMS calls this process made (the bench reads it).

Legacy: values written before this format were strings `enc:v1:<key>:<nonce+ct>` without associated
data. `decrypt_text(..., legacy=True)` still opens them for the fields that were always sealed (CCCD
records, shared info, outbox copies, token rescue); citizen text is read with `legacy=False`.

Keyed hash: `user_hash(user_id)` (HMAC-SHA256 with the pseudonym pepper) is what lookups use instead of
a Zalo user id. Pseudonyms: a keyed hash of unit and Zalo id, so officers of a unit always see the
same "Công dân 7KQ2MX" for one citizen, and another unit sees a different one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from anninh import aws
from anninh.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

LEGACY_PREFIX = "enc:v1:"
VERSION = 2
DATA_KEY_SECONDS = 3600
MAX_CACHED_KEYS = 64
_lock = threading.Lock()
_data_key: tuple[float, bytes, bytes] | None = None  # (made at, plaintext key, encrypted key)
_plain_keys: OrderedDict[bytes, bytes] = OrderedDict()
_pepper: bytes | None = None
_pinned_pepper: bytes | None = None
kms_calls: dict[str, int] = {"GenerateDataKey": 0, "Decrypt": 0}


class DecryptionError(ValueError):
    """A sealed value that does not open (damaged, or moved from another record or field)."""


def _remember(encrypted_key: bytes, key: bytes) -> None:
    _plain_keys[encrypted_key] = key
    _plain_keys.move_to_end(encrypted_key)
    while len(_plain_keys) > MAX_CACHED_KEYS:
        _plain_keys.popitem(last=False)


def _current_data_key(kms: KMSClient | None = None) -> tuple[bytes, bytes]:
    global _data_key
    with _lock:
        now = time.monotonic()
        if _data_key is None or now - _data_key[0] > DATA_KEY_SECONDS:
            kms = kms or aws.client("kms")
            made = kms.generate_data_key(KeyId=get_settings().pii_key_id, KeySpec="AES_256")
            kms_calls["GenerateDataKey"] += 1
            _data_key = (now, made["Plaintext"], made["CiphertextBlob"])
            _remember(made["CiphertextBlob"], made["Plaintext"])
        return _data_key[1], _data_key[2]


def _plain_key(encrypted_key: bytes, kms: KMSClient | None) -> bytes:
    with _lock:
        key = _plain_keys.get(encrypted_key)
        if key is not None:
            _plain_keys.move_to_end(encrypted_key)
            return key
    kms = kms or aws.client("kms")
    key = kms.decrypt(CiphertextBlob=encrypted_key)["Plaintext"]
    with _lock:
        kms_calls["Decrypt"] += 1
        _remember(encrypted_key, key)
    return key


def is_encrypted(value: object) -> bool:
    """A sealed map (by structure; a string is never taken for ciphertext)."""
    return (
        isinstance(value, dict)
        and value.get("v") == VERSION
        and all(isinstance(value.get(k), str) for k in ("k", "n", "ct"))
    )


def encrypt_text(value: str | None, kms: KMSClient | None = None, context: str = "") -> Any:
    """Seal text bound to `context` (record and field); None and "" are stored as they are."""
    if value is None or value == "":
        return value
    key, encrypted_key = _current_data_key(kms)
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, value.encode("utf-8"), context.encode("utf-8"))
    return {
        "v": VERSION,
        "k": base64.b64encode(encrypted_key).decode(),
        "n": base64.b64encode(nonce).decode(),
        "ct": base64.b64encode(sealed).decode(),
    }


def decrypt_text(value: Any, kms: KMSClient | None = None, context: str = "", *, legacy: bool = True) -> Any:
    """Open a sealed map under `context`; plain values come back unchanged.

    `legacy=True` also opens `enc:v1:` strings; only for fields that were always sealed, never for
    text a citizen wrote. Raises DecryptionError when a sealed value does not open here.
    """
    if is_encrypted(value):
        try:
            encrypted_key = base64.b64decode(value["k"])
            nonce = base64.b64decode(value["n"])
            body = base64.b64decode(value["ct"])
        except ValueError as exc:
            raise DecryptionError("damaged sealed value") from exc
        key = _plain_key(encrypted_key, kms)
        try:
            return AESGCM(key).decrypt(nonce, body, context.encode("utf-8")).decode("utf-8")
        except Exception as exc:  # InvalidTag: wrong record/field, or tampered
            raise DecryptionError("sealed value does not open in this context") from exc
    if legacy and isinstance(value, str) and value.startswith(LEGACY_PREFIX):
        try:
            encoded_key, encoded_body = value[len(LEGACY_PREFIX) :].split(":", 1)
            encrypted_key = base64.b64decode(encoded_key)
            body = base64.b64decode(encoded_body)
            return AESGCM(_plain_key(encrypted_key, kms)).decrypt(body[:12], body[12:], None).decode("utf-8")
        except Exception as exc:
            raise DecryptionError("damaged legacy value") from exc
    return value


def open_or_none(value: Any, context: str, kms: KMSClient | None = None) -> Any:
    """decrypt_text for display paths: a value that does not open reads as None, never an error."""
    try:
        return decrypt_text(value, kms, context, legacy=False)
    except DecryptionError:
        from anninh.observability import logger

        logger.warning("a sealed value did not open", extra={"context": context.rsplit("|", maxsplit=1)[-1]})
        return None


def record_context(item: Mapping[str, Any], name: str) -> str:
    """Associated data of a field sealed to a table item: the item's key and the field's name."""
    return f"{item.get('PK')}|{item.get('SK')}|{name}"


def seal_field(key: Mapping[str, Any], name: str, value: str, kms: KMSClient | None = None) -> Any:
    """`value` sealed to the item with this key and to the field `name` (e.g. a Zalo user id)."""
    return encrypt_text(value, kms, context=record_context(key, name))


def open_field(item: Mapping[str, Any], name: str, kms: KMSClient | None = None) -> str | None:
    """The text of a field sealed by `seal_field` (None when it does not open here or is missing);
    a plain string, written before the field was sealed, is taken as it is."""
    value = item.get(name)
    if is_encrypted(value):
        opened = open_or_none(value, record_context(item, name), kms)
        return opened if isinstance(opened, str) else None
    return value if isinstance(value, str) else None


def _pepper_bytes() -> bytes:
    global _pepper
    if _pepper is None:
        raw = aws.client("secretsmanager").get_secret_value(SecretId=get_settings().pseudonym_secret_id)
        _pepper = raw["SecretString"].encode()
    return _pepper


def use_pepper(pepper: bytes | None) -> None:
    """Pin the pepper instead of reading the pseudonym secret (unit tests' stand-in; kept across
    `reset_crypto_caches`); None unpins it."""
    global _pepper, _pinned_pepper
    _pepper = _pinned_pepper = pepper


def user_hash(user_id: str) -> str:
    """Keyed hash of a Zalo user id (HMAC-SHA256 with the pepper): for lookups, never reversible."""
    return user_hash_with(_pepper_bytes(), user_id)


def user_hash_with(pepper: bytes, user_id: str) -> str:
    """`user_hash` under a given pepper (tools and tests that read a stack's pepper themselves)."""
    return hmac.new(pepper, f"user|{user_id}".encode(), hashlib.sha256).hexdigest()[:40]


_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I look-alikes


def pseudonym(unit_id: str, user_id: str) -> str:
    """Stable per citizen per unit, e.g. 'Công dân 7KQ2MX'."""
    digest = hmac.new(_pepper_bytes(), f"{unit_id}|{user_id}".encode(), hashlib.sha256).digest()
    code = "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:6])
    return f"Công dân {code}"


def reset_crypto_caches() -> None:
    global _data_key, _pepper
    with _lock:
        _data_key = None
        _plain_keys.clear()
        _pepper = _pinned_pepper

"""PII protection: envelope encryption with the KMS PII key, and tipster pseudonyms.

Encryption: one KMS data key per container (re-made hourly) encrypts fields with AES-256-GCM; the
encrypted data key travels with each value, so decrypting needs KMS only once per data key. Values
look like `enc:v1:<b64 encrypted data key>:<b64 nonce+ciphertext>`.

Pseudonyms: a keyed hash (HMAC-SHA256, key in Secrets Manager) of unit and Zalo id, so officers of a
unit always see the same "Công dân 7KQ2MX" for one citizen, and another unit sees a different one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import threading
import time
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from anninh import aws
from anninh.settings import get_settings

PREFIX = "enc:v1:"
DATA_KEY_SECONDS = 3600
_lock = threading.Lock()
_data_key: tuple[float, bytes, bytes] | None = None  # (made at, plaintext key, encrypted key)
_plain_keys: dict[bytes, bytes] = {}
_pepper: bytes | None = None


def _current_data_key(kms: Any | None = None) -> tuple[bytes, bytes]:
    global _data_key
    with _lock:
        now = time.monotonic()
        if _data_key is None or now - _data_key[0] > DATA_KEY_SECONDS:
            kms = kms or aws.client("kms")
            made = kms.generate_data_key(KeyId=get_settings().pii_key_id, KeySpec="AES_256")
            _data_key = (now, made["Plaintext"], made["CiphertextBlob"])
            _plain_keys[made["CiphertextBlob"]] = made["Plaintext"]
        return _data_key[1], _data_key[2]


def encrypt_text(value: str | None, kms: Any | None = None) -> str | None:
    if value is None or value == "":
        return value
    key, encrypted_key = _current_data_key(kms)
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, value.encode("utf-8"), None)
    return PREFIX + base64.b64encode(encrypted_key).decode() + ":" + base64.b64encode(nonce + sealed).decode()


def decrypt_text(value: str | None, kms: Any | None = None) -> str | None:
    if not value or not value.startswith(PREFIX):
        return value
    encoded_key, encoded_body = value[len(PREFIX) :].split(":", 1)
    encrypted_key = base64.b64decode(encoded_key)
    with _lock:
        key = _plain_keys.get(encrypted_key)
    if key is None:
        kms = kms or aws.client("kms")
        key = kms.decrypt(CiphertextBlob=encrypted_key)["Plaintext"]
        with _lock:
            _plain_keys[encrypted_key] = key
    body = base64.b64decode(encoded_body)
    return AESGCM(key).decrypt(body[:12], body[12:], None).decode("utf-8")


def is_encrypted(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def _pepper_bytes() -> bytes:
    global _pepper
    if _pepper is None:
        raw = aws.client("secretsmanager").get_secret_value(SecretId=get_settings().pseudonym_secret_id)
        _pepper = raw["SecretString"].encode()
    return _pepper


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
        _pepper = None

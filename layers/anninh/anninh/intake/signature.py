"""Zalo webhook signature: `mac = sha256(app_id + raw_body + timestamp + oa_secret_key)`.

Plain SHA-256 of the concatenation (not HMAC), over the request body byte for byte: the body is never
re-serialised, because any change of spacing or key order would change the digest.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "x-zevent-signature"


def compute_signature(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """The lowercase hex signature Zalo puts in X-ZEvent-Signature (after `mac=`)."""
    digest = hashlib.sha256()
    digest.update(app_id.encode("utf-8"))
    digest.update(raw_body)
    digest.update(timestamp.encode("utf-8"))
    digest.update(oa_secret_key.encode("utf-8"))
    return digest.hexdigest()


def normalise_header(value: str) -> str:
    """`mac=ABC...`, `MAC=abc...` or a bare hex value -> lowercase hex (stripped)."""
    value = value.strip()
    if value[:4].lower() == "mac=":
        value = value[4:]
    return value.strip().lower()


def signature_matches(
    header_value: str, app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str
) -> bool:
    """Constant-time comparison of the header against the expected signature."""
    given = normalise_header(header_value)
    expected = compute_signature(app_id, raw_body, timestamp, oa_secret_key)
    return hmac.compare_digest(given.encode("ascii", "replace"), expected.encode("ascii"))


def signature_header(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """The header value as Zalo sends it (for tests, sample events and the chat script)."""
    return "mac=" + compute_signature(app_id, raw_body, timestamp, oa_secret_key)

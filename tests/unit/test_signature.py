"""Zalo webhook signature: sha256(app_id + raw_body + timestamp + oa_secret_key), header variants."""

from __future__ import annotations

import hashlib

from anninh.intake.signature import compute_signature, normalise_header, signature_matches

APP, TS, SECRET = "1100000000000000001", "1795000000000", "oa-secret"
BODY = b'{"app_id":"1100000000000000001","event_name":"user_send_text","timestamp":"1795000000000"}'


def test_signature_is_plain_sha256_of_the_concatenation() -> None:
    expected = hashlib.sha256(APP.encode() + BODY + TS.encode() + SECRET.encode()).hexdigest()
    assert compute_signature(APP, BODY, TS, SECRET) == expected


def test_header_accepted_with_or_without_prefix_in_any_case() -> None:
    mac = compute_signature(APP, BODY, TS, SECRET)
    for header in (f"mac={mac}", mac, mac.upper(), f"MAC={mac.upper()}", f"  mac={mac}  "):
        assert signature_matches(header, APP, BODY, TS, SECRET), header


def test_any_change_of_body_secret_or_timestamp_fails() -> None:
    mac = "mac=" + compute_signature(APP, BODY, TS, SECRET)
    assert not signature_matches(mac, APP, BODY + b" ", TS, SECRET)
    assert not signature_matches(mac, APP, BODY, "1795000000001", SECRET)
    assert not signature_matches(mac, APP, BODY, TS, "other")
    assert not signature_matches(mac, "1100000000000000002", BODY, TS, SECRET)
    assert not signature_matches("mac=", APP, BODY, TS, SECRET)
    assert not signature_matches("mac=zz" + "0" * 62, APP, BODY, TS, SECRET)


def test_reserialised_json_does_not_verify() -> None:
    """Verifying must use the raw bytes: the same JSON with other spacing is another body."""
    mac = compute_signature(APP, BODY, TS, SECRET)
    spaced = BODY.replace(b",", b", ")
    assert not signature_matches(mac, APP, spaced, TS, SECRET)


def test_non_ascii_header_does_not_crash() -> None:
    assert not signature_matches("mac=đ" * 10, APP, BODY, TS, SECRET)
    assert normalise_header(" Mac=ABC ") == "abc"

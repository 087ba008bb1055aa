"""Human case codes: <unit code>-<yymm>-<sequence>, e.g. TP-2611-0042.

The month is the Vietnam month the case was opened in; the sequence is an atomic counter per unit
prefix and month (keys.case_sequence), so codes are short, unique and never reused.
"""

from __future__ import annotations

from datetime import datetime

from anninh.clock import VN_TZ


def yymm(at: datetime) -> str:
    return at.astimezone(VN_TZ).strftime("%y%m")


def format_code(prefix: str, month: str, seq: int) -> str:
    if seq < 1:
        raise ValueError("sequence starts at 1")
    return f"{prefix.upper()}-{month}-{seq:04d}"

"""Duplicate suggestions: several citizens often report the same incident. When a case opens, the
unit's recent cases that look like the same incident are suggested to officers (never merged
automatically): the same place (within DISTANCE_KM) or much the same words, within WINDOW."""

from __future__ import annotations

from datetime import datetime, timedelta

from anninh.cases.model import Case
from anninh.cases.routing import distance_km
from anninh.clock import parse_iso
from anninh.text import fold

WINDOW = timedelta(hours=6)
DISTANCE_KM = 0.3
MIN_SIMILARITY = 0.5
MAX_SUGGESTIONS = 3
# Words too common in tips to say anything about which incident it is.
_STOP = frozenset(
    (  # noqa: SIM905 - a word list reads better as one string
        "bao tin to giac co o tai nguoi la va cua cac mot nhung dang da bi toi em anh chi oi nha truoc gan "
        "duong hem so phuong quan xin cam on voi"
    ).split()
)


def _words(case: Case) -> set[str]:
    text = " ".join([case.summary, *case.texts])
    return {w for w in fold(text).split() if len(w) > 1 and w not in _STOP}


def similarity(a: Case, b: Case) -> float:
    """Jaccard similarity of the (folded, stop-word-free) words of two cases."""
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / len(wa | wb)


def suggestions(case: Case, recent: list[Case], now: datetime) -> list[str]:
    """Codes of recent cases (newest first) that may be the same incident as `case`."""
    found: list[str] = []
    for other in recent:
        if other.case_id == case.case_id:
            continue
        if now - parse_iso(other.created_at) > WINDOW:
            continue
        near = (
            case.location is not None
            and other.location is not None
            and distance_km(
                (case.location.latitude, case.location.longitude),
                (other.location.latitude, other.location.longitude),
            )
            <= DISTANCE_KM
        )
        if near or similarity(case, other) >= MIN_SIMILARITY:
            found.append(other.code)
        if len(found) >= MAX_SUGGESTIONS:
            break
    return found

"""Hotlines per unit (pure rules, store, service); see `rules` for where the numbers come from."""

from __future__ import annotations

from anninh.hotlines.rules import DATA_FILE, Hotline, emergency, own_numbers, shown_for
from anninh.hotlines.service import Hotlines
from anninh.hotlines.store import DynamoHotlineStore, HotlineStore, default_store

__all__ = [
    "DATA_FILE",
    "DynamoHotlineStore",
    "Hotline",
    "HotlineStore",
    "Hotlines",
    "default_store",
    "emergency",
    "own_numbers",
    "service",
    "shown_for",
]


def service() -> Hotlines:
    """Hotlines on the process's main table."""
    return Hotlines(default_store())

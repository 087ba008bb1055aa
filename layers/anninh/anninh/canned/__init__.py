"""Canned replies officers pick when replying: `store` (DynamoDB) and `service` (what the API calls)."""

from __future__ import annotations

from anninh.canned.service import CannedService, view
from anninh.canned.store import CannedStore, DynamoCannedStore, default_store

__all__ = ["CannedService", "CannedStore", "DynamoCannedStore", "service", "view"]


def service() -> CannedService:
    return CannedService(default_store())

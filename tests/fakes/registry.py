"""In-memory registry store and sign-in directory (anninh.registry.service)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from anninh.registry import OA, Officer, Unit
from anninh.registry.directory import UsernameTaken


class MemoryRegistryStore:
    def __init__(self) -> None:
        self.units: dict[str, Unit] = {}
        self.oas: dict[str, OA] = {}
        self.officers: dict[str, tuple[Officer, bool]] = {}
        self.forgotten = 0

    def put_unit(self, unit: Unit) -> None:
        self.units[unit.unit_id] = unit

    def put_oa(self, oa: OA) -> None:
        self.oas[oa.oa_id] = oa

    def put_officer(self, officer: Officer, enabled: bool | None = None) -> None:
        name = officer.username.lower()
        kept = self.officers[name][1] if name in self.officers else True
        self.officers[name] = (officer, kept if enabled is None else enabled)

    def officers_enabled(self) -> dict[str, bool]:
        return {name: enabled for name, (_, enabled) in self.officers.items()}

    def forget_cached_registry(self) -> None:
        self.forgotten += 1


class RecordingDirectory:
    """Records every call in order; knows which users exist."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.users: set[str] = set()

    def create_user(
        self, username: str, unit_id: str, display_name: str, temporary_password: str | None
    ) -> None:
        if username in self.users:
            raise UsernameTaken(username)
        self.users.add(username)
        self.calls.append(("create", username, unit_id))

    def set_unit(self, username: str, unit_id: str, *, missing_ok: bool = False) -> None:
        self.calls.append(("unit", username, unit_id))

    def add_to_groups(self, username: str, roles: Iterable[str]) -> None:
        self.calls.extend(("add", username, r) for r in roles)

    def remove_from_groups(self, username: str, roles: Iterable[str]) -> None:
        self.calls.extend(("remove", username, r) for r in roles)

    def set_enabled(self, username: str, enabled: bool) -> None:
        self.calls.append(("enabled", username, enabled))

    def sign_out(self, username: str) -> None:
        self.calls.append(("sign_out", username))

"""Changing the registry from the officer API: units, OAs and officers, kept in step with the
sign-in directory. Who may change what (tenant boundary, separation of duties) is decided by the
route, which holds the caller; this service writes what was allowed.
"""

from __future__ import annotations

from typing import Protocol

from anninh.registry import OA, Officer, Unit
from anninh.registry.directory import OfficerDirectory


class RegistryStore(Protocol):
    """`anninh.registry.store` (a module) is the implementation."""

    def put_unit(self, unit: Unit) -> None: ...
    def put_oa(self, oa: OA) -> None: ...
    def put_officer(self, officer: Officer, enabled: bool | None = None) -> None: ...
    def officers_enabled(self) -> dict[str, bool]: ...
    def forget_cached_registry(self) -> None: ...


class RegistryService:
    def __init__(self, store: RegistryStore, directory: OfficerDirectory) -> None:
        self.store = store
        self.directory = directory

    def save_unit(self, unit: Unit) -> None:
        self.store.put_unit(unit)
        self.store.forget_cached_registry()

    def save_oa(self, oa: OA) -> None:
        self.store.put_oa(oa)
        self.store.forget_cached_registry()

    def officers_enabled(self) -> dict[str, bool]:
        """username (lower case) -> enabled; an officer missing here counts as enabled."""
        return self.store.officers_enabled()

    def create_officer(self, officer: Officer, temporary_password: str | None) -> None:
        """The sign-in user with its groups, then the record (enabled). Raises the directory's
        UsernameTaken / WeakPassword before anything is written."""
        self.directory.create_user(
            officer.username, officer.unit_id, officer.display_name, temporary_password
        )
        self.directory.add_to_groups(officer.username, [str(r) for r in officer.roles])
        self.store.put_officer(officer, enabled=True)
        self.store.forget_cached_registry()

    def update_officer(self, current: Officer, updated: Officer, enabled_before: bool, enabled: bool) -> None:
        """Write a changed officer. A move, a change of roles or a disable signs the user out
        globally (the API reads the record on the next request)."""
        name = updated.username.lower()
        moved = updated.unit_id != current.unit_id
        if moved:
            self.directory.set_unit(name, updated.unit_id)
        old_roles, new_roles = {str(r) for r in current.roles}, {str(r) for r in updated.roles}
        self.directory.add_to_groups(name, sorted(new_roles - old_roles))
        self.directory.remove_from_groups(name, sorted(old_roles - new_roles))
        if enabled != enabled_before:
            self.directory.set_enabled(name, enabled)
        self.store.put_officer(updated, enabled=enabled)
        self.store.forget_cached_registry()
        if moved or new_roles != old_roles or (enabled_before and not enabled):
            self.directory.sign_out(name)


def default_service() -> RegistryService:
    from anninh.registry import store
    from anninh.registry.directory import default_directory

    return RegistryService(store, default_directory())

"""Who is acting: an authenticated officer, their unit and roles, and the units they may see.

Built by the officer API (`anninh.api.auth.principal_from_event`) from the caller's record in the
registry; the areas behind the API (cases, alerts, ...) take it as a plain value, so they depend on
nothing above them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Principal:
    username: str
    unit_id: str
    roles: frozenset[str]
    visible_units: tuple[str, ...]
    display_name: str = ""
    request_id: str = ""
    claims: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    roles_since: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    def can_see_unit(self, unit_id: str | None) -> bool:
        return bool(unit_id) and unit_id in self.visible_units

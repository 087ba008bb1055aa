"""Who is calling: the officer behind the Cognito IdToken that API Gateway's JWT authorizer validated.

API Gateway (and the local cloud's emulation of it) has already checked signature, issuer, audience and
expiry; the function reads the claims from `requestContext.authorizer.jwt.claims`. A unit sees its own
work and that of the units under it (`Registry.subtree`), so the district commander sees every unit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from anninh.api.errors import Forbidden, Unauthorized
from anninh.registry import ROLES, Registry


@dataclass(frozen=True)
class Principal:
    username: str
    unit_id: str
    roles: frozenset[str]
    visible_units: tuple[str, ...]
    display_name: str = ""
    request_id: str = ""
    claims: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    def can_see_unit(self, unit_id: str | None) -> bool:
        return bool(unit_id) and unit_id in self.visible_units


def parse_roles(raw: Any) -> frozenset[str]:
    """Cognito groups as API Gateway renders them: "[officer commander]", a JSON list, or a list."""
    values: Iterable[Any]
    if raw is None:
        return frozenset()
    if isinstance(raw, list | tuple | set | frozenset):
        values = raw
    elif isinstance(raw, str):
        text = raw.strip()
        values = []
        if text.startswith("[") and text.endswith("]"):
            try:
                decoded = json.loads(text)
            except ValueError:
                decoded = None
            values = decoded if isinstance(decoded, list) else text[1:-1].replace(",", " ").split()
        else:
            values = text.replace(",", " ").split()
    else:
        raise Unauthorized(details={"claim": "cognito:groups"})
    return frozenset(str(v).strip() for v in values if str(v).strip() in ROLES)


def claims_of(event: Mapping[str, Any]) -> Mapping[str, Any]:
    context = event.get("requestContext") or {}
    authorizer = context.get("authorizer") if isinstance(context, Mapping) else None
    jwt = authorizer.get("jwt") if isinstance(authorizer, Mapping) else None
    claims = jwt.get("claims") if isinstance(jwt, Mapping) else None
    return claims if isinstance(claims, Mapping) else {}


def principal_from_event(event: Mapping[str, Any], registry: Registry) -> Principal:
    """The caller, or Unauthorized when the claims are missing, garbled or name an unknown unit."""
    claims = claims_of(event)
    username = claims.get("cognito:username") or claims.get("username")
    unit_id = claims.get("custom:unit_id")
    if not isinstance(username, str) or not username.strip():
        raise Unauthorized(details={"claim": "cognito:username"})
    if not isinstance(unit_id, str) or registry.unit(unit_id) is None:
        raise Unauthorized(details={"claim": "custom:unit_id"})
    roles = parse_roles(claims.get("cognito:groups"))
    context = event.get("requestContext") or {}
    request_id = str(context.get("requestId") or "") if isinstance(context, Mapping) else ""
    officer = next((o for o in registry.officers if o.username.lower() == username.lower()), None)
    return Principal(
        username=username.strip().lower(),
        unit_id=unit_id,
        roles=roles,
        visible_units=tuple(registry.subtree(unit_id)),
        display_name=officer.display_name if officer else "",
        request_id=request_id,
        claims=dict(claims),
    )


_current: ContextVar[Principal | None] = ContextVar("anninh_principal", default=None)


def set_principal(p: Principal | None) -> None:
    _current.set(p)


def principal() -> Principal:
    """The authenticated caller of the request being handled (set by the resolver's middleware)."""
    p = _current.get()
    if p is None:
        raise Unauthorized()
    return p


def require_role(p: Principal, *roles: str) -> None:
    if not p.has_role(*roles):
        raise Forbidden(details={"required_roles": list(roles)})

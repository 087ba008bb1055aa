"""Who is calling: the officer behind the Cognito IdToken that API Gateway's JWT authorizer validated.

API Gateway (and the local cloud's emulation of it) has already checked signature, issuer, audience and
expiry; the function reads the claims from `requestContext.authorizer.jwt.claims`, but takes only the
username from them. Unit, roles and whether the account is enabled come from the officer's record in
our table (`registry.store.officer_state`, read on every request, never cached), never from token
claims: a token stays valid for hours after an admin disables or moves the officer, and a user-writable
attribute must never decide what a caller sees. A unit sees its own work and that of the units under it
(`Registry.subtree`), so the district commander sees every unit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from typing import Any, NoReturn

from anninh import audit
from anninh.api.errors import Forbidden, NotFound, Unauthorized
from anninh.principal import Principal
from anninh.registry import ROLES, Officer, Registry

__all__ = [
    "Principal",
    "deny_as_not_found",
    "principal",
    "principal_from_event",
    "require_role",
    "require_visible_unit",
    "set_principal",
]

# username -> (officer record, enabled), or None when there is no such officer
OfficerLookup = Callable[[str], "tuple[Officer, bool] | None"]


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


def _registry_lookup(registry: Registry) -> OfficerLookup:
    def lookup(username: str) -> tuple[Officer, bool] | None:
        found = next((o for o in registry.officers if o.username.lower() == username), None)
        return (found, True) if found else None

    return lookup


def principal_from_event(
    event: Mapping[str, Any], registry: Registry, lookup: OfficerLookup | None = None
) -> Principal:
    """The caller, or Unauthorized when the claims are missing or the officer is unknown or disabled.

    `lookup` reads the officer's record (unit, roles, enabled); without it, the registry's officers.
    """
    claims = claims_of(event)
    username = claims.get("cognito:username") or claims.get("username")
    if not isinstance(username, str) or not username.strip():
        raise Unauthorized(details={"claim": "cognito:username"})
    name = username.strip().lower()
    state = (lookup or _registry_lookup(registry))(name)
    if state is None:
        raise Unauthorized(details={"reason": "unknown_officer"})
    officer, enabled = state
    if not enabled:
        raise Unauthorized(details={"reason": "disabled"})
    if registry.unit(officer.unit_id) is None:
        raise Unauthorized(details={"reason": "unknown_unit"})
    context = event.get("requestContext") or {}
    request_id = str(context.get("requestId") or "") if isinstance(context, Mapping) else ""
    return Principal(
        username=name,
        unit_id=officer.unit_id,
        roles=frozenset(r for r in officer.roles if r in ROLES),
        visible_units=tuple(registry.subtree(officer.unit_id)),
        display_name=officer.display_name,
        request_id=request_id,
        claims=dict(claims),
        roles_since=dict(officer.roles_since),
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


def audit_denial(
    p: Principal,
    action: str,
    target_kind: str,
    target_id: str,
    *,
    reason: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Record a refused attempt in the audit trail (every denial is audited; docs/security.md)."""
    audit.trail().record(
        p.username,
        action,
        target_kind,
        target_id,
        actor_unit=p.unit_id,
        outcome="denied",
        reason=reason,
        request_id=p.request_id,
        details=details,
    )


def deny_as_not_found(
    p: Principal, action: str, target_kind: str, target_id: str, *, reason: str, message: str
) -> NoReturn:
    """Refuse what the caller may not see exactly as if it did not exist (404), and audit the refusal."""
    audit_denial(p, action, target_kind, target_id, reason=reason)
    raise NotFound(message)


def require_visible_unit(p: Principal, unit_id: str, action: str) -> None:
    """A unit named in a request must be one the caller sees; otherwise 404, with the denial audited."""
    if not p.can_see_unit(unit_id):
        deny_as_not_found(
            p, action, "unit", unit_id, reason="unit not visible", message="Không tìm thấy đơn vị."
        )

"""Registry persistence: units, OAs, officers and app ids in the main table; app secrets in Secrets
Manager only.

Functions read the registry through `current_registry()`, cached for a minute per container so that
the webhook's acknowledgement path makes no registry calls on a warm start. The stored registry never
carries app secrets (the officer API has no access to them); `load_app_secrets()` is for the few
functions that sign or refresh (webhook signature, token refresh).

`officer_state(username)` is what the officer API trusts about a caller: unit, roles and enabled state
from the OFFICER item, read (strongly consistent) on every request and never cached, so disabling or
moving an officer takes effect on the very next request in every container (one GetItem per request).
"""

from __future__ import annotations

import json
import threading
import time
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key
from pydantic import BaseModel

from anninh import aws, keys
from anninh.dynamo import query_all
from anninh.registry import OA, App, Officer, Registry, Unit
from anninh.settings import get_settings

CACHE_SECONDS = 60.0
_lock = threading.Lock()
_cached: tuple[float, Registry] | None = None


def _query_all(index_pk: str) -> list[dict[str, Any]]:
    return query_all(aws.table(), IndexName="GSI1", KeyConditionExpression=Key("GSI1PK").eq(index_pk))


def load_app_secrets() -> list[App]:
    raw = aws.client("secretsmanager").get_secret_value(SecretId=get_settings().app_secrets_id)
    data = json.loads(raw.get("SecretString") or "{}")
    return [App(app_id=app_id, **values) for app_id, values in data.items()]


def load_registry() -> Registry:
    """Units, OAs, officers and app ids (no secrets) from the table."""
    units = [Unit.model_validate(i["data"]) for i in _query_all("UNITS")]
    oas = [OA.model_validate(i["data"]) for i in _query_all("OAS")]
    officers = [Officer.model_validate(i["data"]) for i in _query_all("OFFICERS")]
    apps = [App.model_validate(i["data"]) for i in _query_all("APPS")]
    return Registry(apps=apps, units=units, oas=oas, officers=officers)


def officers_enabled() -> dict[str, bool]:
    """username (lower case) -> enabled, for every officer record."""
    return {str(i.get("GSI1SK")): bool(i.get("enabled", True)) for i in _query_all("OFFICERS")}


def officer_state(username: str) -> tuple[Officer, bool] | None:
    """(officer record, enabled) from the OFFICER item, or None when there is no such officer.

    Read on every request, strongly consistent: a change made in any container applies at once.
    """
    item = aws.table().get_item(Key=keys.officer(username.lower()), ConsistentRead=True).get("Item")
    return (Officer.model_validate(item["data"]), bool(item.get("enabled", True))) if item else None


def current_registry(max_age: float = CACHE_SECONDS) -> Registry:
    global _cached
    with _lock:
        now = time.monotonic()
        if _cached is None or now - _cached[0] > max_age:
            _cached = (now, load_registry())
        return _cached[1]


def forget_cached_registry() -> None:
    global _cached
    with _lock:
        _cached = None


def _item_data(model: BaseModel, **kw: Any) -> dict[str, Any]:
    """JSON-safe model data with floats as Decimal (DynamoDB has no float type)."""
    data: dict[str, Any] = json.loads(model.model_dump_json(**kw), parse_float=Decimal)
    return data


def put_unit(unit: Unit) -> None:
    aws.table().put_item(
        Item={
            **keys.unit(unit.unit_id),
            "GSI1PK": "UNITS",
            "GSI1SK": unit.unit_id,
            "type": "unit",
            "data": _item_data(unit),
        }
    )


def put_oa(oa: OA) -> None:
    aws.table().put_item(
        Item={
            **keys.oa(oa.oa_id),
            "GSI1PK": "OAS",
            "GSI1SK": oa.oa_id,
            "type": "oa",
            "data": _item_data(oa),
        }
    )


def put_officer(officer: Officer, enabled: bool | None = None) -> None:
    """Write the officer record; `enabled` None keeps the stored state (a new record is enabled)."""
    data = _item_data(officer, exclude={"password"})
    item: dict[str, Any] = {
        **keys.officer(officer.username),
        "GSI1PK": "OFFICERS",
        "GSI1SK": officer.username.lower(),
        "type": "officer",
        "data": data,
    }
    if enabled is None:
        sets = ", ".join(f"#{k} = :{k}" for k in item if k not in ("PK", "SK"))
        values = {f":{k}": v for k, v in item.items() if k not in ("PK", "SK")}
        aws.table().update_item(
            Key=keys.officer(officer.username),
            UpdateExpression=f"SET {sets}",
            ExpressionAttributeNames={f"#{k}": k for k in item if k not in ("PK", "SK")},
            ExpressionAttributeValues=values,
        )
    else:
        aws.table().put_item(Item={**item, "enabled": enabled})


def put_app(app: App) -> None:
    aws.table().put_item(
        Item={
            **keys.app(app.app_id),
            "GSI1PK": "APPS",
            "GSI1SK": app.app_id,
            "type": "app",
            "data": {"app_id": app.app_id, "name": app.name},
        }
    )


def save_app_secrets(apps: list[App]) -> None:
    secret = {
        a.app_id: {"name": a.name, "app_secret": a.app_secret, "oa_secret_key": a.oa_secret_key} for a in apps
    }
    aws.client("secretsmanager").put_secret_value(
        SecretId=get_settings().app_secrets_id, SecretString=json.dumps(secret)
    )


def save_registry(registry: Registry) -> None:
    """Seed or update the stored registry from a registry file (operator command, local cloud).

    A fragment without apps (units, OAs or officers added to a running stack) leaves the app secrets
    as they are."""
    if registry.apps:
        save_app_secrets(registry.apps)
    for app in registry.apps:
        put_app(app)
    for unit in registry.units:
        put_unit(unit)
    for oa in registry.oas:
        put_oa(oa)
    for officer in registry.officers:
        put_officer(officer)
    forget_cached_registry()

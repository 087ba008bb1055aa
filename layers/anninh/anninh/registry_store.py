"""Registry persistence: units, OAs and officers in the main table; app secrets in Secrets Manager.

Functions read the registry through `current_registry()`, cached for a minute per container so that
the webhook's acknowledgement path makes no registry calls on a warm start.
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
from anninh.registry import OA, App, Officer, Registry, Unit
from anninh.settings import get_settings

CACHE_SECONDS = 60.0
_lock = threading.Lock()
_cached: dict[bool, tuple[float, Registry]] = {}  # with app secrets? -> (loaded at, registry)


def _query_all(index_pk: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"IndexName": "GSI1", "KeyConditionExpression": Key("GSI1PK").eq(index_pk)}
    while True:
        page = aws.table().query(**kwargs)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def load_app_secrets() -> list[App]:
    raw = aws.client("secretsmanager").get_secret_value(SecretId=get_settings().app_secrets_id)
    data = json.loads(raw.get("SecretString") or "{}")
    return [App(app_id=app_id, **values) for app_id, values in data.items()]


def load_registry(with_secrets: bool = True) -> Registry:
    """The registry; `with_secrets=False` leaves out the apps (no Secrets Manager read, no grant needed)."""
    units = [Unit.model_validate(i["data"]) for i in _query_all("UNITS")]
    oas = [OA.model_validate(i["data"]) for i in _query_all("OAS")]
    officers = [Officer.model_validate(i["data"]) for i in _query_all("OFFICERS")]
    apps = load_app_secrets() if with_secrets else []
    return Registry(apps=apps, units=units, oas=oas, officers=officers)


def current_registry(max_age: float = CACHE_SECONDS, with_secrets: bool = True) -> Registry:
    """The cached registry; functions that never talk to Zalo pass `with_secrets=False`."""
    with _lock:
        now = time.monotonic()
        for kind in (True, with_secrets):  # a fresh copy with secrets also serves a caller without
            hit = _cached.get(kind)
            if hit is not None and now - hit[0] <= max_age:
                return hit[1]
        registry = load_registry(with_secrets)
        _cached[with_secrets] = (now, registry)
        return registry


def forget_cached_registry() -> None:
    with _lock:
        _cached.clear()


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


def put_officer(officer: Officer) -> None:
    data = _item_data(officer, exclude={"password"})
    aws.table().put_item(
        Item={
            **keys.officer(officer.username),
            "GSI1PK": "OFFICERS",
            "GSI1SK": officer.username.lower(),
            "type": "officer",
            "data": data,
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
    """Seed or update the stored registry from a registry file (operator command, local cloud)."""
    save_app_secrets(registry.apps)
    for unit in registry.units:
        put_unit(unit)
    for oa in registry.oas:
        put_oa(oa)
    for officer in registry.officers:
        put_officer(officer)
    forget_cached_registry()

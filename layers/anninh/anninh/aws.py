"""Lazily created, process-wide boto3 clients.

boto3 picks up AWS_ENDPOINT_URL, so the same code talks to AWS in production and to the embedded moto
server in the local cloud. Clients are created on first use, not at import, to keep cold starts short.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from anninh.settings import get_settings

# SigV4 everywhere: presigned S3 URLs for KMS-encrypted media require it.
_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 4},
    connect_timeout=2,
    read_timeout=10,
    signature_version="s3v4",
)


@cache
def client(service: str) -> Any:
    return boto3.client(service, region_name=get_settings().region, config=_CONFIG)  # type: ignore[call-overload]


@cache
def table(name: str | None = None) -> Any:
    """A DynamoDB Table resource (the main table unless a name is given)."""
    resource = boto3.resource("dynamodb", region_name=get_settings().region, config=_CONFIG)
    return resource.Table(name or get_settings().table_name)


def reset_clients() -> None:
    """Drop cached clients (tests switch endpoints between cases)."""
    client.cache_clear()
    table.cache_clear()

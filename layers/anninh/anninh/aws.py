"""Lazily created, process-wide boto3 clients.

boto3 picks up AWS_ENDPOINT_URL, so the same code talks to AWS in production and to the embedded moto
server in the local cloud. Clients are created on first use, not at import, to keep cold starts short.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, overload

import boto3
from botocore.config import Config

from anninh.settings import get_settings

if TYPE_CHECKING:  # the stubs are a development dependency; Lambda never imports them
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.service_resource import Table
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sqs import SQSClient

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=2, read_timeout=10)
# Presigned URLs for KMS-encrypted media objects need SigV4 (S3 only; other services sign as usual).
_S3_CONFIG = _CONFIG.merge(Config(signature_version="s3v4"))
# boto3's session set-up is not thread-safe: concurrent first calls (threads in the local cloud,
# a thread pool in a handler) build clients one at a time.
_lock = threading.Lock()


@cache
def _client(service: str) -> Any:
    config = _S3_CONFIG if service == "s3" else _CONFIG
    return boto3.client(service, region_name=get_settings().region, config=config)  # type: ignore[call-overload]


@overload
def client(service: Literal["dynamodb"]) -> DynamoDBClient: ...
@overload
def client(service: Literal["sqs"]) -> SQSClient: ...
@overload
def client(service: Literal["s3"]) -> S3Client: ...
@overload
def client(service: Literal["kms"]) -> KMSClient: ...
@overload
def client(service: Literal["secretsmanager"]) -> SecretsManagerClient: ...
@overload
def client(service: Literal["cognito-idp"]) -> CognitoIdentityProviderClient: ...
@overload
def client(service: str) -> Any: ...
def client(service: str) -> Any:
    """The process's client for an AWS service (typed for the services the stubs cover)."""
    with _lock:
        return _client(service)


@cache
def _table(name: str | None) -> Any:
    resource = boto3.resource("dynamodb", region_name=get_settings().region, config=_CONFIG)
    return resource.Table(name or get_settings().table_name)


def table(name: str | None = None) -> Table:
    """A DynamoDB Table resource (the main table unless a name is given)."""
    with _lock:
        return _table(name)


def reset_clients() -> None:
    """Drop cached clients (tests switch endpoints between cases)."""
    with _lock:
        _client.cache_clear()
        _table.cache_clear()

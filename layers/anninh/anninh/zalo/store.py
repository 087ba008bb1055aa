"""The token refresh lease, one item per OA (`keys.token_lease(oa_id)`): the only DynamoDB code of the
Zalo area (`anninh.zalo.tokens` holds the refresh logic; the tokens themselves live in Secrets Manager).

The item: `owner` and `lease_until` (epoch ms) while a refresher holds it, `expires_at` (TTL), and
`unsaved_pair` (encrypted) when a refresher could not store a new pair and left it for the next one.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError

from anninh import aws, keys
from anninh.dynamo import condition_failed, update_if
from anninh.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

LEASE_TTL_SECONDS = 7 * 24 * 3600


class TokenLeases(Protocol):
    def acquire(self, oa_id: str, owner: str, now_ms: int, until_ms: int) -> dict[str, Any] | None:
        """Take the OA's lease unless another owner's is live: the previous item ({} if none), or None."""
        ...

    def release(self, oa_id: str, owner: str) -> None:
        """Drop our lease (a parked pair stays for the next refresher: then only end it)."""
        ...

    def park_pair(self, oa_id: str, sealed: str) -> None: ...

    def clear_pair(self, oa_id: str) -> None: ...


class DynamoTokenLeases:
    def __init__(self, table: Table) -> None:
        self.table = table

    def acquire(self, oa_id: str, owner: str, now_ms: int, until_ms: int) -> dict[str, Any] | None:
        result = update_if(
            self.table,
            Key=keys.token_lease(oa_id),
            UpdateExpression="SET #owner = :me, lease_until = :until, oa_id = :oa, expires_at = :ttl",
            ConditionExpression="attribute_not_exists(PK) OR lease_until < :now",
            ExpressionAttributeNames={"#owner": "owner"},
            ExpressionAttributeValues={
                ":me": owner,
                ":until": until_ms,
                ":now": now_ms,
                ":oa": oa_id,
                ":ttl": now_ms // 1000 + LEASE_TTL_SECONDS,
            },
            ReturnValues="ALL_OLD",
        )
        if result is None:
            return None
        return dict(result.get("Attributes") or {})

    def release(self, oa_id: str, owner: str) -> None:
        names = {"#owner": "owner"}
        try:
            self.table.delete_item(
                Key=keys.token_lease(oa_id),
                ConditionExpression="#owner = :me AND attribute_not_exists(unsaved_pair)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={":me": owner},
            )
            return
        except ClientError as exc:
            if not condition_failed(exc):
                logger.warning("could not release the token lease", extra={"oa_id": oa_id})
                return
        # If someone else holds it now (ours expired), there is nothing to release.
        with contextlib.suppress(ClientError):
            self.table.update_item(
                Key=keys.token_lease(oa_id),
                UpdateExpression="SET lease_until = :zero",
                ConditionExpression="#owner = :me",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={":me": owner, ":zero": 0},
            )

    def park_pair(self, oa_id: str, sealed: str) -> None:
        self.table.update_item(
            Key=keys.token_lease(oa_id),
            UpdateExpression="SET unsaved_pair = :p",
            ExpressionAttributeValues={":p": sealed},
        )

    def clear_pair(self, oa_id: str) -> None:
        self.table.update_item(Key=keys.token_lease(oa_id), UpdateExpression="REMOVE unsaved_pair")


def default_leases() -> DynamoTokenLeases:
    return DynamoTokenLeases(aws.table())

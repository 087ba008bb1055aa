"""Data access for intake: the event receipt (dedupe marker + raw copy) in the main table.

Key shape: `keys.event_receipt(dedupe_key)`. Access patterns:
- the webhook's acknowledgement path: one conditional PutItem (new receipt or "duplicate"), and a
  DeleteItem when the hand-off to the inbound queue failed (so Zalo's retry is accepted);
- the inbound function: GetItem of the raw body when the envelope carries a reference to it.

The raw copy is citizen text, so it is sealed (`anninh.crypto`, AES-GCM with the container's cached
data key) under the context `EVENT#<dedupe key>|raw`: a table reader sees no citizen text, and a sealed
body copied to another receipt does not open there. Receipts written before sealing hold a plain
string; `body` reads both until they expire (30 days).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from anninh import aws, crypto, keys

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_kms import KMSClient

RAW = "raw"


def raw_context(dedupe_key: str) -> str:
    """The associated data that binds a receipt's sealed body to that receipt and field."""
    return f"{keys.event_receipt(dedupe_key)['PK']}|{RAW}"


class ReceiptStore(Protocol):
    def put_new(self, dedupe_key: str, item: dict[str, Any]) -> bool:
        """Store the receipt unless one exists; False when it is a duplicate."""

    def delete(self, dedupe_key: str) -> None: ...


class DynamoReceiptStore:
    """Receipts in the main table (low-level client: one PutItem, no resource overhead)."""

    def __init__(self, client: DynamoDBClient, table_name: str, kms: KMSClient | None = None) -> None:
        self._ddb = client
        self._table = table_name
        self._kms = kms  # None: crypto's default KMS client, made on first use

    def _key(self, dedupe_key: str) -> dict[str, Any]:
        k = keys.event_receipt(dedupe_key)
        return {"PK": {"S": k["PK"]}, "SK": {"S": k["SK"]}}

    def put_new(self, dedupe_key: str, item: dict[str, Any]) -> bool:
        attrs: dict[str, Any] = self._key(dedupe_key)
        for name, value in item.items():
            if name == RAW and value:
                sealed = crypto.encrypt_text(str(value), self._kms, raw_context(dedupe_key))
                attrs[name] = {
                    "M": {k: {"N": str(v)} if isinstance(v, int) else {"S": v} for k, v in sealed.items()}
                }
            else:
                attrs[name] = {"N": str(value)} if isinstance(value, int) else {"S": str(value)}
        try:
            self._ddb.put_item(
                TableName=self._table, Item=attrs, ConditionExpression="attribute_not_exists(PK)"
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def delete(self, dedupe_key: str) -> None:
        self._ddb.delete_item(TableName=self._table, Key=self._key(dedupe_key))

    def body(self, dedupe_key: str) -> str:
        """The raw body stored with the receipt: what an envelope too large for a queue message
        refers to ("" when the receipt is gone)."""
        item = self._ddb.get_item(TableName=self._table, Key=self._key(dedupe_key), ConsistentRead=True)
        raw = item.get("Item", {}).get(RAW, {})
        if "M" in raw:
            sealed = {k: int(v["N"]) if "N" in v else v.get("S") for k, v in raw["M"].items()}
            return str(crypto.decrypt_text(sealed, self._kms, raw_context(dedupe_key), legacy=False) or "")
        return str(raw.get("S") or "")  # written before receipts were sealed


def receipt_body(dedupe_key: str) -> str:
    """`DynamoReceiptStore.body` on the process's main table (the envelope's default loader)."""
    from anninh.settings import get_settings

    return DynamoReceiptStore(aws.client("dynamodb"), get_settings().table_name).body(dedupe_key)

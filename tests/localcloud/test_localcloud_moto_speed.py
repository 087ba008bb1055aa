"""moto made cheaper per call (localcloud.moto_speed): transactions and queues still behave as in AWS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from localcloud import moto_speed

REGION = "ap-southeast-1"


@pytest.fixture
def ddb() -> Iterator[Any]:
    moto_speed.install()
    with mock_aws():
        client = boto3.client(
            "dynamodb", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
        )
        client.create_table(
            TableName="t",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
        )
        client.create_table(
            TableName="h",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        )
        yield client


def _item(ddb: Any, table: str, **key: str) -> dict[str, Any] | None:
    got = ddb.get_item(TableName=table, Key={k: {"S": v} for k, v in key.items()}, ConsistentRead=True)
    item: dict[str, Any] | None = got.get("Item")
    return item


def test_a_cancelled_transaction_leaves_every_item_as_it_was(ddb: Any) -> None:
    ddb.put_item(TableName="t", Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "n": {"N": "1"}})
    ddb.put_item(TableName="h", Item={"pk": {"S": "x"}, "v": {"S": "old"}})
    with pytest.raises(ClientError) as caught:
        ddb.transact_write_items(
            TransactItems=[
                # applied by moto before the failing condition below is evaluated
                {
                    "Update": {
                        "TableName": "t",
                        "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
                        "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
                {"Put": {"TableName": "t", "Item": {"pk": {"S": "a"}, "sk": {"S": "2"}}}},
                {"Put": {"TableName": "t", "Item": {"pk": {"S": "new"}, "sk": {"S": "1"}}}},
                {"Put": {"TableName": "h", "Item": {"pk": {"S": "x"}, "v": {"S": "overwritten"}}}},
                {
                    "Put": {
                        "TableName": "h",
                        "Item": {"pk": {"S": "y"}},
                        "ConditionExpression": "attribute_exists(pk)",  # fails: no such item
                    }
                },
            ]
        )
    assert caught.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert _item(ddb, "t", pk="a", sk="1") == {"pk": {"S": "a"}, "sk": {"S": "1"}, "n": {"N": "1"}}
    assert _item(ddb, "t", pk="a", sk="2") is None
    assert _item(ddb, "t", pk="new", sk="1") is None
    assert _item(ddb, "h", pk="x") == {"pk": {"S": "x"}, "v": {"S": "old"}}
    assert _item(ddb, "h", pk="y") is None
    assert ddb.scan(TableName="t")["Count"] == 1  # the cancelled new partition left nothing behind


def test_a_transaction_naming_one_item_twice_is_refused_and_changes_nothing(ddb: Any) -> None:
    ddb.put_item(TableName="h", Item={"pk": {"S": "x"}, "v": {"S": "old"}})
    with pytest.raises(ClientError):
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "h", "Item": {"pk": {"S": "x"}, "v": {"S": "first"}}}},
                {"Put": {"TableName": "h", "Item": {"pk": {"S": "x"}, "v": {"S": "second"}}}},
            ]
        )
    assert _item(ddb, "h", pk="x") == {"pk": {"S": "x"}, "v": {"S": "old"}}


def test_a_successful_transaction_writes_everything(ddb: Any) -> None:
    ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": "t", "Item": {"pk": {"S": "a"}, "sk": {"S": "1"}}}},
            {
                "Put": {
                    "TableName": "h",
                    "Item": {"pk": {"S": "x"}},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
        ]
    )
    assert _item(ddb, "t", pk="a", sk="1") is not None
    assert _item(ddb, "h", pk="x") is not None
    # a backup still copies the table (only transactions skip the whole-table copy)
    backup = ddb.create_backup(TableName="h", BackupName="backup")["BackupDetails"]["BackupArn"]
    ddb.delete_item(TableName="h", Key={"pk": {"S": "x"}})
    ddb.restore_table_from_backup(TargetTableName="restored", BackupArn=backup)
    assert _item(ddb, "restored", pk="x") is not None


def test_queues_still_count_deduplicate_and_hide_in_flight_messages() -> None:
    moto_speed.install()
    with mock_aws():
        sqs = boto3.client("sqs", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
        url = sqs.create_queue(
            QueueName="q.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"}
        )["QueueUrl"]
        for body in ("one", "one", "two"):  # content-based deduplication drops the second "one"
            sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=body)
        counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert counts["ApproximateNumberOfMessages"] == "2"
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
        counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert (counts["ApproximateNumberOfMessages"], counts["ApproximateNumberOfMessagesNotVisible"]) == (
            "1",
            "1",
        )
        sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
        plain = sqs.create_queue(QueueName="p")["QueueUrl"]
        sqs.send_message(QueueUrl=plain, MessageBody="later", DelaySeconds=60)
        counts = sqs.get_queue_attributes(QueueUrl=plain, AttributeNames=["All"])["Attributes"]
        assert (counts["ApproximateNumberOfMessages"], counts["ApproximateNumberOfMessagesDelayed"]) == (
            "0",
            "1",
        )


def test_queries_on_the_table_and_an_index_return_the_same_pages(ddb: Any) -> None:
    ddb.update_table(
        TableName="t",
        AttributeDefinitions=[
            {"AttributeName": "g", "AttributeType": "S"},
            {"AttributeName": "at", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "byG",
                    "KeySchema": [
                        {"AttributeName": "g", "KeyType": "HASH"},
                        {"AttributeName": "at", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            }
        ],
    )
    for p in ("a", "b", "c"):
        for i in (3, 1, 2, 5, 4):
            item = {"pk": {"S": p}, "sk": {"S": f"{i:02d}"}, "at": {"S": f"{9 - i}"}}
            if p != "c":
                item["g"] = {"S": "g1"}
            ddb.put_item(TableName="t", Item=item)

    def pages(**kwargs: Any) -> list[list[str]]:
        out, start = [], None
        while True:
            extra = {"ExclusiveStartKey": start} if start else {}
            got = ddb.query(TableName="t", Limit=2, **kwargs, **extra)
            out.append([f"{i['pk']['S']}{i['sk']['S']}" for i in got["Items"]])
            start = got.get("LastEvaluatedKey")
            if not start:
                return out

    assert pages(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "b"}}) == [
        ["b01", "b02"],
        ["b03", "b04"],
        ["b05"],
    ]
    assert pages(
        KeyConditionExpression="pk = :p AND sk > :s",
        ExpressionAttributeValues={":p": {"S": "a"}, ":s": {"S": "02"}},
        ScanIndexForward=False,
    ) == [["a05", "a04"], ["a03"]]
    assert pages(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "zz"}}) == [[]]
    by_index = pages(
        IndexName="byG", KeyConditionExpression="g = :g", ExpressionAttributeValues={":g": {"S": "g1"}}
    )
    flat = [key for page in by_index for key in page]
    assert flat == ["a05", "b05", "a04", "b04", "a03", "b03", "a02", "b02", "a01", "b01"]  # by `at`, then pk
    scanned = [f"{i['pk']['S']}{i['sk']['S']}" for i in ddb.scan(TableName="t")["Items"]]
    assert scanned == sorted(scanned)  # Scan keeps moto's key order


def test_calls_of_functions_behind_a_route_are_served_before_waiting_queue_consumers() -> None:
    import threading
    import time

    from localcloud.moto_server import TurnLock

    lock, order = TurnLock(), []
    lock.acquire()  # a consumer's call in moto

    def call(name: str, urgent: bool) -> None:
        lock.acquire(urgent=urgent)
        order.append(name)
        lock.release()

    consumer = threading.Thread(target=call, args=("consumer", False))
    consumer.start()
    time.sleep(0.2)  # the consumer waits first
    webhook = threading.Thread(target=call, args=("webhook", True))
    webhook.start()
    time.sleep(0.2)
    lock.release()
    consumer.join(5)
    webhook.join(5)
    assert order == ["webhook", "consumer"]


def test_each_functions_calls_are_counted_apart_by_its_access_key() -> None:
    from localcloud.moto_server import LOCAL_KEY_PREFIX, caller

    signed = (
        f"AWS4-HMAC-SHA256 Credential={LOCAL_KEY_PREFIX}InboundFunction/20261129/ap-southeast-1/dynamodb/"
        "aws4_request, SignedHeaders=host;x-amz-date, Signature=abc"
    )
    assert caller({"HTTP_AUTHORIZATION": signed}) == "InboundFunction"
    other = signed.replace(f"{LOCAL_KEY_PREFIX}InboundFunction", "testing")
    assert caller({"HTTP_AUTHORIZATION": other}) == ""  # the local cloud's own calls, a test's client
    assert caller({}) == ""

"""The embedded moto server under concurrent functions: no moto races, SQS long polls still work."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from localcloud.moto_server import MotoServer

REGION = "ap-southeast-1"


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    server = MotoServer("127.0.0.1", 0)
    server.start()
    yield server.url
    server.stop()


def client(url: str, service: str) -> Any:
    # No retries: a moto race would show up as an error instead of being retried away.
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}),
    )


def test_concurrent_transactions_do_not_trip_moto(moto_url: str) -> None:
    ddb = client(moto_url, "dynamodb")
    ddb.create_table(
        TableName="race",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
    )
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        mine = client(moto_url, "dynamodb")
        try:
            for i in range(15):
                mine.transact_write_items(
                    TransactItems=[
                        {"Put": {"TableName": "race", "Item": {"pk": {"S": f"{n}-{i}-{j}"}}}}
                        for j in range(3)
                    ]
                )
        except BaseException as exc:  # collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert ddb.scan(TableName="race", Select="COUNT")["Count"] == 6 * 15 * 3


def test_long_poll_waits_and_wakes_up_on_a_send(moto_url: str) -> None:
    sqs = client(moto_url, "sqs")
    url = sqs.create_queue(QueueName="long-poll")["QueueUrl"]
    started = time.monotonic()
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", []) == []
    assert time.monotonic() - started >= 0.9  # an empty long poll lasts its wait

    sender = client(moto_url, "sqs")

    def send_later() -> None:
        time.sleep(0.5)
        sender.send_message(QueueUrl=url, MessageBody="hello")

    threading.Thread(target=send_later).start()
    started = time.monotonic()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5).get("Messages", [])
    elapsed = time.monotonic() - started
    assert [m["Body"] for m in got] == ["hello"]
    assert elapsed < 3.0  # woken by the send, not by the end of the 5 s wait


def test_a_long_poll_does_not_block_other_requests(moto_url: str) -> None:
    sqs = client(moto_url, "sqs")
    other = client(moto_url, "sqs")
    url = sqs.create_queue(QueueName="idle")["QueueUrl"]
    poller = threading.Thread(target=lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5))
    poller.start()
    time.sleep(0.3)
    other.list_queues()
    assert poller.is_alive()  # the other request was answered while the long poll still waits
    poller.join()

"""The local cloud's saved state: everything moto holds comes back, in-flight messages included."""

from __future__ import annotations

from pathlib import Path

import boto3
from moto import mock_aws

from localcloud.state import StateStore, snapshot_backends


def test_snapshot_restores_items_objects_secrets_and_in_flight_messages(tmp_path: Path) -> None:
    region = "ap-southeast-1"
    with mock_aws():
        sqs = boto3.client("sqs", region_name=region)
        url = sqs.create_queue(
            QueueName="inbound.fifo",
            Attributes={"FifoQueue": "true", "VisibilityTimeout": "180"},
        )["QueueUrl"]
        for n in range(2):
            sqs.send_message(
                QueueUrl=url, MessageBody=f"m{n}", MessageGroupId="g", MessageDeduplicationId=f"d{n}"
            )
        held = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
        assert [m["Body"] for m in held] == ["m0"]  # in flight for 180 s when the cloud stops
        s3 = boto3.client("s3", region_name=region)
        s3.create_bucket(Bucket="media", CreateBucketConfiguration={"LocationConstraint": region})
        s3.put_object(Bucket="media", Key="media/p.jpg", Body=b"\xff\xd8photo\xff\xd9")
        ddb = boto3.client("dynamodb", region_name=region)
        ddb.create_table(
            TableName="main",
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        ddb.put_item(TableName="main", Item={"PK": {"S": "CASE#1"}, "code": {"S": "TP-1"}})
        kms = boto3.client("kms", region_name=region)
        key = kms.create_key()["KeyMetadata"]["KeyId"]
        sealed = kms.encrypt(KeyId=key, Plaintext=b"0901234567")["CiphertextBlob"]
        boto3.client("secretsmanager", region_name=region).create_secret(Name="app", SecretString="s3cret")
        store = StateStore(tmp_path / "state")
        store.save(snapshot_backends(), {"refs": {}})

    with mock_aws():  # a new process: empty
        sqs = boto3.client("sqs", region_name=region)
        assert sqs.list_queues().get("QueueUrls") is None
        assert store.load() == {"refs": {}}
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
        assert [m["Body"] for m in got] == ["m0", "m1"]  # at once (not 180 s later), in order
        assert got[0]["Attributes"]["ApproximateReceiveCount"] == "2"  # still counts toward the DLQ
        body = boto3.client("s3", region_name=region).get_object(Bucket="media", Key="media/p.jpg")["Body"]
        assert body.read() == b"\xff\xd8photo\xff\xd9"
        item = boto3.client("dynamodb", region_name=region).get_item(
            TableName="main", Key={"PK": {"S": "CASE#1"}}
        )
        assert item["Item"]["code"] == {"S": "TP-1"}
        plain = boto3.client("kms", region_name=region).decrypt(CiphertextBlob=sealed)["Plaintext"]
        assert plain == b"0901234567"
        secret = boto3.client("secretsmanager", region_name=region).get_secret_value(SecretId="app")
        assert secret["SecretString"] == "s3cret"


def test_no_state_or_unreadable_state_starts_empty(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    assert store.load() is None
    (tmp_path / "moto.pickle").write_bytes(b"not a pickle")
    (tmp_path / "deployment.json").write_text("{}")
    with mock_aws():
        assert store.load() is None

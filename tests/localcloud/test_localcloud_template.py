"""The local cloud's resources come from template.yaml: change the template, the cloud follows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from localcloud.resources import deploy
from localcloud.template import functions, load_template

ROOT = Path(__file__).resolve().parents[2]

EXTRA = """
  AuditExportQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 77
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt AuditExportDLQ.Arn
        maxReceiveCount: 9
  AuditExportDLQ:
    Type: AWS::SQS::Queue
  ArchiveTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - {AttributeName: pk, AttributeType: S}
        - {AttributeName: day, AttributeType: S}
      KeySchema:
        - {AttributeName: pk, KeyType: HASH}
      GlobalSecondaryIndexes:
        - IndexName: ByDay
          KeySchema:
            - {AttributeName: day, KeyType: HASH}
          Projection: {ProjectionType: KEYS_ONLY}
"""


def modified_template(tmp_path: Path) -> Path:
    """A copy of template.yaml with a queue, its DLQ and a table added, and Globals naming them."""
    text = (ROOT / "template.yaml").read_text(encoding="utf-8")
    text = text.replace("\nResources:\n", "\nResources:\n" + EXTRA, 1)
    anchor = "        TABLE_NAME: !Ref MainTable\n"
    assert anchor in text
    text = text.replace(
        anchor,
        anchor + "        ARCHIVE_TABLE: !Ref ArchiveTable\n"
        "        AUDIT_EXPORT_QUEUE_URL: !Ref AuditExportQueue\n",
        1,
    )
    path = tmp_path / "template.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def aws() -> Any:
    with mock_aws():
        yield {s: boto3.client(s, region_name="ap-southeast-1") for s in ("sqs", "dynamodb")}


def test_a_queue_and_table_added_to_the_template_appear_with_no_other_edit(tmp_path: Path, aws: Any) -> None:
    deployment = deploy(parameters={"Stage": "dev"}, template_path=modified_template(tmp_path))
    env = deployment.environment()
    table = aws["dynamodb"].describe_table(TableName=env["ARCHIVE_TABLE"])["Table"]
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["pk"]
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["ByDay"]
    attrs = aws["sqs"].get_queue_attributes(QueueUrl=env["AUDIT_EXPORT_QUEUE_URL"], AttributeNames=["All"])[
        "Attributes"
    ]
    assert attrs["VisibilityTimeout"] == "77"
    redrive = json.loads(attrs["RedrivePolicy"])
    assert int(redrive["maxReceiveCount"]) == 9
    assert redrive["deadLetterTargetArn"] == deployment.resolver.attrs[("AuditExportDLQ", "Arn")]
    # the product's resources are all still there
    assert env["TABLE_NAME"] in aws["dynamodb"].list_tables()["TableNames"]


def test_template_path_can_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANNINH_TEMPLATE", str(modified_template(tmp_path)))
    env = functions(load_template())[0].environment
    assert env["ARCHIVE_TABLE"] == {"Ref": "ArchiveTable"}


def test_the_real_template_deploys_queues_dlqs_tables_and_pool(aws: Any) -> None:
    deployment = deploy(parameters={"Stage": "dev"})
    template = deployment.template
    for logical, res in template["Resources"].items():
        if res["Type"] != "AWS::SQS::Queue":
            continue
        props = res.get("Properties", {})
        attrs = aws["sqs"].get_queue_attributes(
            QueueUrl=deployment.queue_urls[logical], AttributeNames=["All"]
        )["Attributes"]
        assert attrs["VisibilityTimeout"] == str(props.get("VisibilityTimeout", 30)), logical
        assert (attrs.get("FifoQueue") == "true") == bool(props.get("FifoQueue")), logical
        if "RedrivePolicy" in props:
            dlq = props["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
            assert (
                json.loads(attrs["RedrivePolicy"])["deadLetterTargetArn"]
                == deployment.resolver.attrs[(dlq, "Arn")]
            )
    env = deployment.environment()
    assert env["USER_POOL_ID"].startswith("ap-southeast-1_")
    assert env["TOKEN_SECRET_PREFIX"] == "anninh-local/oa-tokens/"
    idp = boto3.client("cognito-idp", region_name="ap-southeast-1")
    groups = {g["GroupName"] for g in idp.list_groups(UserPoolId=env["USER_POOL_ID"])["Groups"]}
    assert groups == {"officer", "commander", "editor", "admin"}

"""Policy coverage: the template, expanded by the real SAM transform, grants each function exactly the
DynamoDB, SQS, S3, KMS, Secrets Manager and Cognito actions its code performs: every one it performs,
and none it does not.

What the code performs comes from aws_actions.json:
- per function, the actions it made while tests ran under the strict local cloud with LOCAL_IAM_RECORD
  set (every call each function made, as IAM action names; see "_about" for how to refresh it), and
- `_declared`: actions AWS checks that the local cloud cannot observe (S3 calling KMS for an SSE-KMS
  bucket, presigned links, a data key another container made) or that are on a path no test reaches,
  each with the reason and the code that performs it.
When a function starts calling something new, the local cloud refuses the call until the template
grants it, and this test fails until aws_actions.json says so: grants and code move together.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from localcloud import iam
from localcloud.resources import deploy

COLLECTED = json.loads((Path(__file__).with_name("aws_actions.json")).read_text(encoding="utf-8"))
DECLARED: dict[str, dict[str, str]] = COLLECTED.get("_declared", {})

# Every action of these services a policy could plausibly grant (what SAM's policy templates and
# hand-written statements name). A grant of any of these that the code does not perform fails.
CHECKED: dict[str, list[str]] = {
    "dynamodb": [
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "ConditionCheckItem",
        "DescribeTable",
        "TransactGetItems",
        "TransactWriteItems",
        "PartiQLSelect",
        "PartiQLInsert",
        "PartiQLUpdate",
        "PartiQLDelete",
    ],
    "sqs": [
        "SendMessage",
        "ReceiveMessage",
        "DeleteMessage",
        "ChangeMessageVisibility",
        "GetQueueAttributes",
        "GetQueueUrl",
        "SetQueueAttributes",
        "PurgeQueue",
        "DeleteQueue",
        "ListQueues",
    ],
    "s3": [
        "GetObject",
        "GetObjectVersion",
        "PutObject",
        "PutObjectAcl",
        "PutObjectTagging",
        "DeleteObject",
        "DeleteObjectVersion",
        "AbortMultipartUpload",
        "ListBucket",
        "ListBucketVersions",
        "ListBucketMultipartUploads",
        "GetBucketLocation",
        "GetLifecycleConfiguration",
        "PutLifecycleConfiguration",
        "PutBucketPolicy",
        "DeleteBucket",
    ],
    "kms": [
        "Decrypt",
        "Encrypt",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "ReEncryptFrom",
        "ReEncryptTo",
        "DescribeKey",
        "CreateGrant",
        "ScheduleKeyDeletion",
    ],
    "cognito-idp": [
        "AdminCreateUser",
        "AdminAddUserToGroup",
        "AdminRemoveUserFromGroup",
        "AdminDisableUser",
        "AdminEnableUser",
        "AdminUpdateUserAttributes",
        "AdminUserGlobalSignOut",
        "AdminDeleteUser",
        "AdminGetUser",
        "AdminSetUserPassword",
        "AdminResetUserPassword",
        "AdminInitiateAuth",
        "ListUsers",
    ],
    "secretsmanager": [
        "GetSecretValue",
        "PutSecretValue",
        "DescribeSecret",
        "CreateSecret",
        "UpdateSecret",
        "DeleteSecret",
        "RotateSecret",
        "ListSecrets",
    ],
}
EVERY_CHECKED = sorted(f"{service}:{op}" for service, ops in CHECKED.items() for op in ops)
# What Lambda's SQS poller does with the function's role (SAM attaches the AWS managed
# AWSLambdaSQSQueueExecutionRole to a function with an SQS event): not the function's code.
POLLER = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
SQS_POLLER_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"


@pytest.fixture(scope="module")
def stack() -> Iterator[tuple[dict[str, iam.Role], list[str]]]:
    with mock_aws():
        deployment = deploy(parameters={"Stage": "dev"})
        iam.deactivate()
        roles = iam.roles(deployment)
        arns = [str(v) for (_, attr), v in deployment.resolver.attrs.items() if attr == "Arn"]
        arns += [str(v) for v in deployment.resolver.refs.values() if str(v).startswith("arn:")]
        for logical, res in deployment.template["Resources"].items():
            ref = str(deployment.resolver.refs.get(logical, ""))
            if res["Type"] == "AWS::S3::Bucket":
                arns += [
                    f"arn:aws:s3:::{ref}",
                    f"arn:aws:s3:::{ref}/media/x",
                    f"arn:aws:s3:::{ref}/reports/x",
                ]
            elif res["Type"] == "AWS::KMS::Key":
                arns.append(f"arn:aws:kms:ap-southeast-1:123456789012:key/{ref}")
            elif res["Type"] == "AWS::Cognito::UserPool":
                arns.append(f"arn:aws:cognito-idp:ap-southeast-1:123456789012:userpool/{ref}")
            elif res["Type"] == "AWS::DynamoDB::Table":
                arns.append(f"arn:aws:dynamodb:ap-southeast-1:123456789012:table/{ref}/index/GSI1")
        arns.append(
            "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:anninh-local/oa-tokens/1-AbCdEf"
        )
        yield roles, arns


def _grants(role: iam.Role, action: str, arns: list[str]) -> bool:
    """Whether any Allow statement covers the action on one of the resources, conditional or not: a
    grant under a condition still counts here (the local cloud itself never lets one grant)."""
    for arn in [*arns, "*"]:
        hits = [st for st in role.statements if st.matches(action, arn)]
        if any(st.effect == "Allow" for st in hits) and not any(st.effect == "Deny" for st in hits):
            return True
    return False


def _functions() -> list[str]:
    return [name for name in COLLECTED if not name.startswith("_")]


def _performed(function: str) -> set[str]:
    return set(COLLECTED[function]) | set(DECLARED.get(function, {}))


def test_every_function_in_the_template_is_covered(stack: Any) -> None:
    roles, _ = stack
    assert sorted(roles) == sorted(_functions())
    assert set(DECLARED) <= set(roles)
    for function, actions in DECLARED.items():
        for action, reason in actions.items():
            assert action in EVERY_CHECKED or ":" in action, (function, action)
            assert len(reason) > 20, f"{function} {action}: say why the code needs it"


@pytest.mark.parametrize("function", _functions())
def test_every_action_the_code_performs_is_granted(stack: Any, function: str) -> None:
    roles, arns = stack
    role = roles[function]
    missing = [a for a in sorted(_performed(function)) if not _grants(role, a, arns)]
    assert missing == [], f"{function}'s role does not grant {missing}"


@pytest.mark.parametrize("function", _functions())
def test_no_action_is_granted_that_the_code_does_not_perform(stack: Any, function: str) -> None:
    roles, arns = stack
    role = roles[function]
    granted = {a for a in EVERY_CHECKED if _grants(role, a, arns)}
    if SQS_POLLER_POLICY in role.managed:
        granted -= POLLER
    performed = {a for a in _performed(function) if a.split(":", 1)[0] in CHECKED}
    assert sorted(granted - performed) == [], f"{function} is granted actions its code never performs"
    assert sorted(performed - granted) == []


def test_only_the_retention_purge_may_scan_the_table(stack: Any) -> None:
    roles, arns = stack
    scanners = sorted(f for f, role in roles.items() if _grants(role, "dynamodb:Scan", arns))
    assert scanners == ["RetentionPurgeFunction"]


def test_the_webhook_cannot_read_the_table_or_open_sealed_fields(stack: Any) -> None:
    """The unauthenticated entry point: a compromise of it must not read citizens' data."""
    roles, arns = stack
    role = roles["WebhookFunction"]
    for action in ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"):
        assert not _grants(role, action, arns), action
    # kms:Decrypt only as Secrets Manager's call for its app secrets (encrypted with the PII key).
    decrypts = [d for d in role.documents if "kms:Decrypt" in iam._as_list(d.get("Action"))]
    via_secrets = {"StringEquals": {"kms:ViaService": "secretsmanager.ap-southeast-1.amazonaws.com"}}
    assert decrypts and all(d.get("Condition") == via_secrets for d in decrypts), decrypts

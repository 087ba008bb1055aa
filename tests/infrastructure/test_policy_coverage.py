"""Policy coverage: the template, expanded by the real SAM transform, grants each function every AWS
action its code performs, and (for the functions narrowed so far) no DynamoDB action beyond them.

The actions come from aws_actions.json, collected by running tests/integration under the strict local
cloud with LOCAL_IAM_RECORD set (every call each function made, as IAM action names). Refresh it the
same way when a function starts calling something new; the local cloud refuses the call until the
template grants it anyway.
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
# Functions whose DynamoDB grants are narrowed to what they do (the others still hold
# DynamoDBCrudPolicy; narrowing them is open work).
NARROWED_DYNAMODB = ("WebhookFunction", "StatsRollupFunction")


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
                arns.append(f"arn:aws:s3:::{ref}/media/x")
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


def _functions() -> list[str]:
    return [name for name in COLLECTED if not name.startswith("_")]


@pytest.mark.parametrize("function", _functions())
def test_every_action_the_code_performs_is_granted(stack: Any, function: str) -> None:
    roles, arns = stack
    role = roles[function]
    missing = [a for a in COLLECTED[function] if not any(role.allows(a, arn) for arn in [*arns, "*"])]
    assert missing == [], f"{function}'s role does not grant {missing}"


@pytest.mark.parametrize("function", NARROWED_DYNAMODB)
def test_narrowed_functions_get_no_dynamodb_action_they_do_not_use(stack: Any, function: str) -> None:
    roles, arns = stack
    role = roles[function]
    every = {
        "dynamodb:" + op
        for op in [
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
        ]
    }
    granted = {a for a in every if any(role.allows(a, arn) for arn in arns)}
    used = {a for a in COLLECTED[function] if a.startswith("dynamodb:")}
    if function == "WebhookFunction":
        used |= {
            "dynamodb:DeleteItem"
        }  # only after a failed hand-off (tests/localcloud/test_localcloud_iam.py)
    assert granted == used

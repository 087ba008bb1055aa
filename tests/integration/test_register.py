"""The operator's registry loader creates each officer once, with their unit and roles."""

from __future__ import annotations

from typing import Any

import boto3

from anninh.registry import Officer
from scripts.register import ensure_officer, temporary_password


def test_officer_is_created_once_with_unit_and_groups(aws_stack: Any) -> None:
    idp = boto3.client("cognito-idp", region_name="ap-southeast-1")
    pool = aws_stack.physical["UserPool"]
    officer = Officer(username="tanquy.canbo2", unit_id="p-tan-quy", roles=["officer", "commander"])

    first = ensure_officer(idp, pool, officer)
    again = ensure_officer(idp, pool, officer)

    assert first is not None and len(first) == 16
    assert again is None  # an existing officer keeps their password
    user = idp.admin_get_user(UserPoolId=pool, Username="tanquy.canbo2")
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["custom:unit_id"] == "p-tan-quy"
    groups = idp.admin_list_groups_for_user(UserPoolId=pool, Username="tanquy.canbo2")["Groups"]
    assert sorted(g["GroupName"] for g in groups) == ["commander", "officer"]


def test_temporary_passwords_meet_the_pool_policy() -> None:
    for _ in range(50):
        value = temporary_password()
        assert len(value) >= 12
        assert any(c.isupper() for c in value) and any(c.islower() for c in value)
        assert any(c.isdigit() for c in value)

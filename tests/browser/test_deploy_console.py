"""scripts/deploy_console.py: what lands in the ConsoleBucket (S3 emulated by moto)."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from scripts import deploy_console

OUTPUTS = {
    "ApiBaseUrl": "https://abc123.execute-api.ap-southeast-1.amazonaws.com/api/v1/",
    "UserPoolId": "ap-southeast-1_AbCdEf",
    "UserPoolClientId": "client123",
    "ConsoleBucketName": "console-bucket",
    "ConsoleUrl": "https://d111.cloudfront.net",
}


def test_config_points_the_page_at_the_stack_api_and_cognito() -> None:
    config = deploy_console.console_config(OUTPUTS, "ap-southeast-1")
    assert config == {
        "api_base_url": "https://abc123.execute-api.ap-southeast-1.amazonaws.com/api/v1",
        "region": "ap-southeast-1",
        "user_pool_id": "ap-southeast-1_AbCdEf",
        "user_pool_client_id": "client123",
        "cognito_url": "https://cognito-idp.ap-southeast-1.amazonaws.com/",
        "mfa_required_roles": ["commander", "admin"],
        "password_policy": {
            "MinimumLength": 12,
            "RequireLowercase": True,
            "RequireUppercase": True,
            "RequireNumbers": True,
            "RequireSymbols": False,
        },
    }


def test_missing_outputs_stop_the_deploy_with_a_clear_message() -> None:
    with pytest.raises(SystemExit, match="UserPoolClientId"):
        deploy_console.console_config({**OUTPUTS, "UserPoolClientId": ""}, "ap-southeast-1")


def test_every_console_file_is_planned_with_its_type_and_no_local_config(tmp_path: Path) -> None:
    (tmp_path / "js").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html>")
    (tmp_path / "app.css").write_text("body{}")
    (tmp_path / "js" / "main.js").write_text("export {}")
    (tmp_path / "config.json").write_text("{}")  # a developer's local copy is never published
    (tmp_path / ".DS_Store").write_text("")
    plan = {u.key: u for u in deploy_console.planned_uploads(tmp_path)}
    assert set(plan) == {"index.html", "app.css", "js/main.js"}
    assert plan["js/main.js"].content_type.startswith("text/javascript")
    assert plan["index.html"].cache_control.startswith("no-cache")
    real = {u.key for u in deploy_console.planned_uploads()}
    assert {"index.html", "app.css", "js/main.js", "js/api.js", "js/pages/case.js"} <= real


@mock_aws
def test_sync_uploads_writes_config_and_removes_stale_files() -> None:
    s3 = boto3.client("s3", region_name="ap-southeast-1")
    s3.create_bucket(
        Bucket="console-bucket", CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"}
    )
    s3.put_object(Bucket="console-bucket", Key="js/old-page.js", Body=b"old")
    config = deploy_console.console_config(OUTPUTS, "ap-southeast-1")

    dry = deploy_console.sync(s3, "console-bucket", deploy_console.planned_uploads(), config, dry_run=True)
    assert dry["deleted"] == ["js/old-page.js"]
    assert s3.list_objects_v2(Bucket="console-bucket")["KeyCount"] == 1  # dry run changes nothing

    deploy_console.sync(s3, "console-bucket", deploy_console.planned_uploads(), config)
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="console-bucket")["Contents"]}
    assert "js/old-page.js" not in keys
    assert {"index.html", "config.json", "js/main.js"} <= keys
    published = json.loads(s3.get_object(Bucket="console-bucket", Key="config.json")["Body"].read())
    assert published["api_base_url"] == "https://abc123.execute-api.ap-southeast-1.amazonaws.com/api/v1"
    index = s3.get_object(Bucket="console-bucket", Key="index.html")
    assert index["ContentType"].startswith("text/html") and index["CacheControl"].startswith("no-cache")

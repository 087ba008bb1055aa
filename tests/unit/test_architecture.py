"""`python -m scripts.architecture`: which modules touch DynamoDB, and no new one outside a store."""

from __future__ import annotations

from scripts.architecture import Touches, area_of, read_allowlist, scan_source, stale, survey, verdict


def test_no_module_touches_dynamodb_outside_a_store_except_the_listed_ones() -> None:
    found = survey()
    allowed = read_allowlist()
    assert verdict(found, allowed) == []
    assert any(t.is_store for t in found)


def test_the_allowlist_only_names_modules_that_exist() -> None:
    from scripts.architecture import PACKAGE

    missing = [m for m in read_allowlist() if not (PACKAGE / m).is_file()]
    assert missing == [], "take deleted modules off scripts/architecture_allowlist.txt"


def test_table_access_condition_building_and_expressions_are_recognised() -> None:
    assert "aws.table()" in scan_source("from anninh import aws\nt = aws.table()\n")
    assert "aws.table()" in scan_source("from anninh.aws import table as tbl\nx = tbl()\n")
    assert scan_source("from boto3.dynamodb.conditions import Key\n") == {"imports boto3.dynamodb.conditions"}
    assert ".update_item()" in scan_source("t.update_item(Key={'PK': 'x'}, UpdateExpression='SET a = :a')")
    assert 'boto3.client("dynamodb")' in scan_source("import boto3\nc = boto3.client('dynamodb')\n")


def test_calling_a_store_method_of_the_same_name_is_not_touching_dynamodb() -> None:
    assert scan_source("item = self.store.get_item(campaign_id)\n") == set()
    assert scan_source("import boto3\nboto3.client('sqs')\n") == set()


def test_a_new_module_outside_a_store_fails_and_a_cleaned_one_is_reported() -> None:
    found = [
        Touches("cases/store.py", {"aws.table()"}),
        Touches("cases/new_feature.py", {".put_item()"}),
    ]
    problems = verdict(found, {"cases/workflow.py"})
    assert len(problems) == 1 and problems[0].startswith("cases/new_feature.py touches DynamoDB")
    assert "cases's store.py" in problems[0]
    assert stale(found, {"cases/workflow.py"}) == ["cases/workflow.py"]


def test_areas_are_packages_or_top_level_modules_and_routes_are_their_own() -> None:
    assert area_of("cases/workflow.py") == "cases"
    assert area_of("cccd.py") == "cccd"
    assert area_of("api/routes/canned.py") == "api/routes"

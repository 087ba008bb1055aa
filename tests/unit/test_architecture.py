"""`python -m scripts.architecture`: which modules touch DynamoDB, and no new one outside a store."""

from __future__ import annotations

from scripts.architecture import (
    Touches,
    area_of,
    cycle_report,
    cycles,
    dependencies,
    imported_areas,
    read_allowlist,
    scan_source,
    stale,
    survey,
    verdict,
)


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


# --- package dependencies ------------------------------------------------------------------------


def test_the_package_has_no_cycle_between_areas() -> None:
    graph = dependencies()
    assert cycle_report(graph) == []
    assert "stats" in graph["cases"] and "cases" not in graph["stats"]


def test_cycles_are_the_strongly_connected_components_of_more_than_one_area() -> None:
    graph = {
        "a": ["b"],
        "b": ["c"],
        "c": ["a", "d"],  # a -> b -> c -> a: one cycle of three
        "d": ["e"],
        "e": ["d"],  # d <-> e: a second, reached from the first
        "f": ["a", "g"],  # f and g only depend: not in a cycle
        "g": [],
    }
    assert cycles(graph) == [["a", "b", "c"], ["d", "e"]]
    assert cycles({"a": ["b"], "b": ["c"], "c": []}) == []
    assert cycles({}) == []


def test_a_long_chain_does_not_hit_the_recursion_limit() -> None:
    chain = {f"n{i}": [f"n{i + 1}"] for i in range(5000)}
    assert cycles(chain) == []
    chain["n5000"] = ["n0"]
    assert cycles(chain) == [sorted(chain)]


def test_the_report_names_each_import_that_makes_a_cycle() -> None:
    graph = {
        "cases": {"intake": ["cases/service.py:31"], "clock": ["cases/model.py:3"]},
        "intake": {"cases": ["intake/pipeline.py:17"]},
    }
    assert cycle_report(graph) == [
        "areas import each other in a cycle: cases <-> intake",
        "  cases -> intake: cases/service.py:31",
        "  intake -> cases: intake/pipeline.py:17",
    ]


def test_imports_are_read_absolute_relative_deferred_and_by_alias() -> None:
    source = (
        "from anninh.cases.model import Case\n"
        "from anninh import stats, clock as c\n"
        "import anninh.zalo.client\n"
        "from . import rules\n"  # the area's own module: not a dependency
        "from ..intake import pipeline\n"
        "import json\n"
        "def late():\n"
        "    from anninh.bot import router\n"
    )
    found = imported_areas(source, "cccd/service.py")
    assert sorted(area for area, _ in found) == ["bot", "cases", "cccd", "clock", "intake", "stats", "zalo"]
    assert ("bot", 8) in found
    assert imported_areas("from . import rules\n", "cccd/__init__.py") == [("cccd", 1)]
    assert imported_areas("from .figures import plain\n", "stats.py") == [("figures", 1)]

"""What operating the stack needs from template.yaml: alarms and a dashboard covering every function
and queue, schedules in Vietnam time with retries and a dead-letter queue, reserved concurrency for the
officer API, and one samconfig environment per stage. Read from the template, so a function or queue
added without these fails here."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from localcloud.template import ROOT, load_template


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def _of_type(template: dict[str, Any], rtype: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == rtype}


def _alarmed(template: dict[str, Any], namespace: str, metric: str) -> set[str]:
    """Logical ids referenced (Ref / GetAtt) by the alarms on one metric."""
    out: set[str] = set()
    for alarm in _of_type(template, "AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        metrics = [props] + [m["MetricStat"]["Metric"] for m in props.get("Metrics", []) if "MetricStat" in m]
        for m in metrics:
            if m.get("Namespace") == namespace and m.get("MetricName") == metric:
                for dim in m.get("Dimensions", []):
                    value = dim["Value"]
                    if "Ref" in value:
                        out.add(value["Ref"])
                    elif "Fn::GetAtt" in value:
                        out.add(value["Fn::GetAtt"][0])
    return out


def test_every_function_has_an_errors_and_a_throttles_alarm(template: dict[str, Any]) -> None:
    functions = set(_of_type(template, "AWS::Serverless::Function"))
    assert functions - _alarmed(template, "AWS/Lambda", "Errors") == set()
    assert functions - _alarmed(template, "AWS/Lambda", "Throttles") == set()


def test_fifo_queues_table_and_api_have_their_alarms(template: dict[str, Any]) -> None:
    queues = _of_type(template, "AWS::SQS::Queue")
    fifo_consumed = {
        k
        for k, v in queues.items()
        if v["Properties"].get("FifoQueue") and "RedrivePolicy" in v["Properties"]  # not the DLQs
    }
    assert fifo_consumed, "the template has FIFO queues"
    assert fifo_consumed - _alarmed(template, "AWS/SQS", "ApproximateAgeOfOldestMessage") == set()
    tables = set(_of_type(template, "AWS::DynamoDB::Table"))
    assert tables - _alarmed(template, "AWS/DynamoDB", "ReadThrottleEvents") == set()
    assert tables - _alarmed(template, "AWS/DynamoDB", "WriteThrottleEvents") == set()
    apis = set(_of_type(template, "AWS::Serverless::HttpApi"))
    assert apis - _alarmed(template, "AWS/ApiGateway", "5xx") == set()
    dlqs = {k for k in queues if k.endswith("DLQ")}
    assert dlqs - _alarmed(template, "AWS/SQS", "ApproximateNumberOfMessagesVisible") == set()


def test_dashboard_shows_every_function_and_queue_and_is_an_output(template: dict[str, Any]) -> None:
    (dashboard,) = _of_type(template, "AWS::CloudWatch::Dashboard").items()
    body = dashboard[1]["Properties"]["DashboardBody"]["Fn::Sub"]
    for function in _of_type(template, "AWS::Serverless::Function"):
        assert "${" + function + "}" in body, function
    for queue in _of_type(template, "AWS::SQS::Queue"):
        assert "${" + queue + ".QueueName}" in body, queue
    url = template["Outputs"]["DashboardURL"]["Value"]["Fn::Sub"]
    assert "${" + dashboard[0] + "}" in url and url.startswith("https://")


def test_schedules_run_in_vietnam_time_with_retries_and_a_dead_letter_queue(template: dict[str, Any]) -> None:
    queues = _of_type(template, "AWS::SQS::Queue")
    schedules = [
        (name, event["Properties"])
        for fn in _of_type(template, "AWS::Serverless::Function").values()
        for name, event in fn["Properties"].get("Events", {}).items()
        if event["Type"] in ("Schedule", "ScheduleV2")
    ]
    assert schedules
    for name, props in schedules:
        assert props.get("ScheduleExpressionTimezone") == "Asia/Ho_Chi_Minh", name
        assert props.get("RetryPolicy", {}).get("MaximumRetryAttempts", 0) >= 1, name
        dlq = props["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
        assert dlq in queues, name
    assert all(
        event["Type"] != "Schedule"
        for fn in _of_type(template, "AWS::Serverless::Function").values()
        for event in fn["Properties"].get("Events", {}).values()
    ), "EventBridge rules (Schedule) have no time zone: use ScheduleV2"


def test_the_webhook_cannot_starve_the_officer_api(template: dict[str, Any]) -> None:
    functions = _of_type(template, "AWS::Serverless::Function")
    webhook = functions["WebhookFunction"]["Properties"]["ReservedConcurrentExecutions"]
    api = functions["ApiFunction"]["Properties"]["ReservedConcurrentExecutions"]
    assert webhook > 0 and api > 0
    # AWS keeps 100 unreserved of the default 1,000; the other functions share what is left.
    assert webhook + api <= 1000 - 100 - 200


def test_samconfig_has_dev_staging_and_prod_on_separate_stacks() -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    stacks = {env: config[env]["global"]["parameters"]["stack_name"] for env in ("dev", "staging", "prod")}
    assert len(set(stacks.values())) == 3, stacks
    for env in ("dev", "staging", "prod"):
        assert f'Stage="{env}"' in config[env]["deploy"]["parameters"]["parameter_overrides"]
    assert "sync" not in config["prod"] and "sync" not in config["staging"], "no sam sync against prod"
    assert "stack_name" not in config.get("default", {}).get("global", {}).get("parameters", {}), (
        "a bare `sam deploy` must name its environment"
    )

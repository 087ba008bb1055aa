"""Helpers for the intake integration tests: post events to the webhook, drain the inbound queue
through the inbound function, read queues. (No tests here.)"""

from __future__ import annotations

import json
from typing import Any

from anninh import wiring
from anninh.intake.pipeline import default_pipeline
from localcloud.lambdas import invoke
from localcloud.pollers import receive_all
from localcloud.pollers import sqs_event as as_sqs_event
from tests.conftest import load_event


def post(name_or_event: str | dict[str, Any]) -> dict[str, Any]:
    event = load_event(name_or_event) if isinstance(name_or_event, str) else name_or_event
    result: dict[str, Any] = invoke("WebhookFunction", event)
    return result


def use_bot(bot: Any) -> None:
    """Give the inbound function a fake bot (the real router belongs to another area)."""
    wiring.provide("inbound_pipeline", default_pipeline(bot=bot))


def reset_bot() -> None:
    """Back to the real bot: the next inbound event builds the default pipeline again."""
    wiring.reset("inbound_pipeline")


def drain_inbound(stack: Any) -> list[dict[str, Any]]:
    """Run everything on the inbound queue through the inbound function; returns the batch responses."""
    sqs = stack_sqs()
    url = stack.queue_urls["InboundQueue"]
    responses = []
    while True:
        messages = receive_all(sqs, url)
        if not messages:
            return responses
        event = as_sqs_event(
            messages, "arn:aws:sqs:ap-southeast-1:123456789012:anninh-local-InboundQueue.fifo"
        )
        responses.append(invoke("InboundFunction", event))


def stack_sqs() -> Any:
    from anninh import aws

    return aws.client("sqs")


def bodies(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [json.loads(m["Body"]) for m in messages]


class FakeBot:
    """Answers every question; hands off when asked for a human."""

    def __init__(self) -> None:
        self.turns: list[Any] = []

    def __call__(self, turn: Any) -> Any:
        from types import SimpleNamespace

        from anninh.outbox import text

        self.turns.append(turn)
        wants_human = "gặp cán bộ" in turn.text
        turn.state["turns"] = turn.state.get("turns", 0) + 1
        reply = text(turn.oa_id, turn.user_id, "Trả lời tự động", key=f"bot:{turn.event_key}:0")
        return SimpleNamespace(
            messages=[reply],
            answered=not wants_human,
            handed_off=wants_human,
            intent="handoff" if wants_human else ("menu" if turn.text == "menu" else "faq"),
        )

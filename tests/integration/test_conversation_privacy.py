"""Privacy at rest of a conversation (issue 11, item 11): after a citizen talks to the bot, is handed
off, and an officer answers through the API and the sender, no item in the table carries the
citizen's Zalo user_id in a key or in a plain attribute. Lookups use the keyed hash; the id the
sender needs travels sealed and bound to its record."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from anninh import aws, conversations, crypto
from anninh.intake.pipeline import default_pipeline
from anninh.sending import set_default_sender
from tests.integration.test_api_support import call, claims_for
from tests.integration.test_inbound_integration import envelope_for, text_body
from tests.integration.test_inbound_support import FakeBot
from tests.integration.test_sender import make_sender, run_sender
from tests.integration.test_tokens import OA_ID, FakeZalo, seed_tokens

CITIZEN = "8400000000000007777"
# The item that still keeps the id in the clear (open work of issue 11, item 11, named in
# docs/security.md): the follower record (its sort key is how campaigns enumerate the audience).
# Every other item must be clean.
NOT_YET_SEALED = (("OA#", "FOLLOWER#"),)


def _plain_strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, text) of every string in an item that is not inside a sealed map."""
    if crypto.is_encrypted(value):
        return
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _plain_strings(k, f"{path}.<key>")
            yield from _plain_strings(v, f"{path}.{k}")
    elif isinstance(value, (list, set, tuple)):
        for n, v in enumerate(value):
            yield from _plain_strings(v, f"{path}[{n}]")
    elif isinstance(value, str):
        yield path, value
    elif isinstance(value, (bytes, Decimal)):
        yield path, str(value)


def _scan() -> list[dict[str, Any]]:
    table, items, kwargs = aws.table(), [], {}
    while True:
        page = table.scan(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@pytest.fixture
def zalo(aws_stack: Any) -> Iterator[FakeZalo]:
    from anninh.zalo.tokens import TokenStore

    fake = FakeZalo()
    seed_tokens(TokenStore(client=fake.client()))
    set_default_sender(make_sender(fake))
    yield fake
    set_default_sender(None)


def test_no_raw_zalo_user_id_in_any_key_or_plain_attribute(
    aws_stack: Any, registry: Any, zalo: FakeZalo
) -> None:
    pipeline = default_pipeline(bot=FakeBot())
    now = int(time.time() * 1000)
    pipeline.process(
        envelope_for(text_body(CITIZEN, "cho hỏi giờ làm việc", now - 60_000, oa=OA_ID, msg_id="zm-a1"))
    )
    pipeline.process(envelope_for(text_body(CITIZEN, "tôi muốn gặp cán bộ", now, oa=OA_ID, msg_id="zm-a2")))
    run_sender()  # the bot's answers go out and are logged
    state = conversations.get_state(OA_ID, CITIZEN)
    assert state is not None and state.handed_off and state.user_id == CITIZEN  # lookups by the id work

    officer = claims_for(registry, "hieptan.canbo")
    status, page = call("GET", "/api/v1/conversations", officer)
    assert status == 200 and [i["conversation_id"] for i in page["items"]] == [state.conversation_id]
    status, _ = call(
        "POST",
        f"/api/v1/conversations/{state.conversation_id}/replies",
        officer,
        {"text": "Chào anh, tôi nghe."},
    )
    assert status == 202
    run_sender()
    sent = zalo.sent[-1]["body"]  # a reply to the citizen's message, or to the citizen by id
    assert sent["message"]["text"] == "Chào anh, tôi nghe."
    assert sent["recipient"] in ({"message_id": "zm-a2"}, {"user_id": CITIZEN})
    status, view = call("GET", f"/api/v1/conversations/{state.conversation_id}", officer)
    assert status == 200 and [m["text"] for m in view["messages"]][-1] == "Chào anh, tôi nghe."

    leaks = [
        (item["PK"], item["SK"], path)
        for item in _scan()
        if not any(item["PK"].startswith(pk) and item["SK"].startswith(sk) for pk, sk in NOT_YET_SEALED)
        for path, text in _plain_strings(item)
        if CITIZEN in text
    ]
    assert any(item["PK"].startswith("CONV#") for item in _scan())  # the conversation was stored
    assert leaks == [], "\n".join(" ".join(leak) for leak in leaks)

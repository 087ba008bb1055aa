"""OutboxSender logic with in-memory ports (the real outbox ledger on an in-memory store): window,
retries with backoff, token refresh, idempotency."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from anninh import crypto
from anninh.outbox import OutboundMessage, text
from anninh.sending.ledger import epoch_ms
from anninh.sending.records import OutboxRecords
from anninh.sending.sender import OutboxSender, RetryPolicy
from anninh.sending.tiers import ReplyWindow, vn_month
from anninh.zalo.client import ZaloClient
from anninh.zalo.errors import TokenUnavailableError
from tests.fakes.kms import FakeKms
from tests.fakes.sending import MemoryOutboxStore

NOW = datetime(2026, 5, 4, 3, 0, tzinfo=UTC)
OA, USER = "oa-1", "u-1"


@pytest.fixture(autouse=True)
def sealed() -> Iterator[None]:
    """Messages kept for the officers are sealed: with a fake KMS's data key (no AWS call)."""
    crypto.reset_crypto_caches()
    crypto.encrypt_text("prime", FakeKms())
    yield
    crypto.reset_crypto_caches()


class Tokens:
    def __init__(self) -> None:
        self.current = "A0"
        self.refreshes = 0
        self.fail_refresh: TokenUnavailableError | None = None

    def access_token(self, oa_id: str) -> str:
        return self.current

    def refresh(self, oa_id: str, stale: str) -> str:
        if self.fail_refresh:
            raise self.fail_refresh
        self.refreshes += 1
        self.current = f"A{self.refreshes}"
        return self.current


class Scripted:
    """Zalo answering from a script: ints are error codes, "network" refuses the connection."""

    def __init__(self, *script: int | str) -> None:
        self.script = list(script)
        self.requests: list[httpx.Request] = []
        self.delivered: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.script.pop(0) if self.script else 0
        if step == "network":
            raise httpx.ConnectError("refused", request=request)
        if step != 0:
            return httpx.Response(200, json={"error": step, "message": f"e{step}"})
        self.delivered.append({"token": request.headers["access_token"], **json.loads(request.content)})
        return httpx.Response(200, json={"error": 0, "data": {"message_id": f"z{len(self.delivered)}"}})


class Followers:
    def __init__(self, at: datetime | None) -> None:
        self.at = at

    def last_interaction(self, oa_id: str, user_id: str) -> datetime | None:
        return self.at


class Conversation:
    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []
        self.crash = False

    def record_outbound(self, msg: OutboundMessage, message_id: str, at: datetime) -> None:
        if self.crash:
            raise RuntimeError("function died after Zalo accepted")
        if (msg.key, message_id) not in self.messages:  # deduped on Zalo's id, like conversations
            self.messages.append((msg.key, message_id))


class Stats:
    def __init__(self) -> None:
        self.counted: list[str] = []

    def count_sent(self, msg: OutboundMessage, unit_id: str, at: datetime) -> None:
        if f"out:{msg.key}" not in self.counted:  # idempotent like stats.counters.count
            self.counted.append(f"out:{msg.key}")


class Windows:
    """The conversation log's reply window: the citizen's latest message and our sends after it."""

    def __init__(self, window: ReplyWindow | None = None) -> None:
        self.current = window or ReplyWindow()

    def window(self, oa_id: str, user_id: str) -> ReplyWindow:
        return self.current


class Ledger:
    def __init__(self) -> None:
        self.counted: dict[str, str] = {}

    def count_proactive(self, oa_id: str, message_key: str, at: datetime, n: int = 1) -> bool:
        if message_key in self.counted:
            return False
        self.counted[message_key] = vn_month(at)
        return True


class World:
    def __init__(
        self, *script: int | str, last_interaction: datetime | None = NOW - timedelta(hours=1)
    ) -> None:
        self.zalo = Scripted(*script)
        self.store = MemoryOutboxStore()
        self.records = OutboxRecords(self.store)
        self.tokens = Tokens()
        self.conversation = Conversation()
        self.stats = Stats()
        self.windows = Windows()
        self.ledger = Ledger()
        self.sleeps: list[float] = []
        self.sender = OutboxSender(
            zalo=ZaloClient(
                api_base="http://z",
                oauth_base="http://o",
                zns_base="http://n",
                transport=httpx.MockTransport(self.zalo),
            ),
            tokens=self.tokens,  # type: ignore[arg-type]
            records=self.records,
            followers=Followers(last_interaction),
            conversations=self.conversation,
            stats=self.stats,
            unit_for=lambda oa: "p-hiep-tan",
            policy=RetryPolicy(),
            clock=lambda: NOW,
            sleep=self.sleeps.append,
            rng=random.Random(7),
            windows=self.windows,
            ledger=self.ledger,
        )


def message(key: str = "bot:e1:0") -> OutboundMessage:
    return text(OA, USER, "Cảm ơn bạn đã liên hệ.", key=key)


def test_sends_once_and_records_it() -> None:
    world = World()
    outcome = world.sender.deliver(message())
    assert outcome.status == "sent"
    assert outcome.message_id == "z1"
    assert world.zalo.delivered == [
        {"token": "A0", "recipient": {"user_id": USER}, "message": {"text": "Cảm ơn bạn đã liên hệ."}}
    ]
    assert world.conversation.messages == [("bot:e1:0", "z1")]
    assert world.stats.counted == ["out:bot:e1:0"]
    assert world.store.items["bot:e1:0"]["status"] == "sent"


def test_redelivery_sends_nothing() -> None:
    world = World()
    world.sender.deliver(message())
    again = world.sender.deliver(message(), receive_count=2)
    assert again.status == "skipped"
    assert len(world.zalo.delivered) == 1
    assert world.conversation.messages == [("bot:e1:0", "z1")]


def test_sent_but_not_recorded_is_finished_without_resending() -> None:
    world = World()
    world.conversation.crash = True
    with pytest.raises(RuntimeError):
        world.sender.deliver(message())
    world.conversation.crash = False
    outcome = world.sender.deliver(message(), receive_count=2)
    assert outcome.status == "skipped"
    assert len(world.zalo.delivered) == 1
    assert world.conversation.messages == [("bot:e1:0", "z1")]
    assert world.stats.counted == ["out:bot:e1:0"]


def test_token_error_refreshes_once_and_retries() -> None:
    world = World(-216)
    outcome = world.sender.deliver(message())
    assert outcome.status == "sent"
    assert world.tokens.refreshes == 1
    assert [d["token"] for d in world.zalo.delivered] == ["A1"]


def test_second_token_error_goes_back_to_the_queue_not_a_refresh_loop() -> None:
    world = World(-216, -220)
    outcome = world.sender.deliver(message())
    assert outcome.status == "retry"
    assert world.tokens.refreshes == 1
    assert world.zalo.delivered == []
    assert world.store.items["bot:e1:0"]["status"] == "retrying"


def test_transient_errors_retry_inline_with_jittered_backoff() -> None:
    world = World(-32, "network")
    outcome = world.sender.deliver(message())
    assert outcome.status == "sent"
    assert len(world.zalo.requests) == 3
    assert len(world.sleeps) == 2
    policy = RetryPolicy()
    assert 0 <= world.sleeps[0] <= policy.inline_base
    assert 0 <= world.sleeps[1] <= policy.inline_base * 2


def test_persistent_transient_errors_hand_back_to_sqs_with_a_delay() -> None:
    world = World(-32, -32, -32, -32, -32, "network")
    first = world.sender.deliver(message(), receive_count=1)
    assert first.status == "retry"
    assert 1 <= first.retry_after <= RetryPolicy().queue_base
    assert sum(world.sleeps) <= RetryPolicy().inline_budget
    second = world.sender.deliver(message(), receive_count=2)
    assert second.status == "retry"
    third = world.sender.deliver(message(), receive_count=3)
    assert third.status == "sent"
    assert len(world.zalo.delivered) == 1


def test_queue_backoff_grows_and_is_capped() -> None:
    policy = RetryPolicy()
    rng = random.Random(1)
    ceilings = [max(policy.queue_delay(n, rng) for _ in range(200)) for n in (1, 3, 6, 12)]
    assert ceilings[0] <= 5 and ceilings[1] <= 20 and ceilings[2] <= 160
    assert ceilings[3] <= policy.queue_cap
    assert ceilings[0] < ceilings[1] < ceilings[2]


@pytest.mark.parametrize("code", [-213, -218, -227, -244])
def test_recipient_errors_are_recorded_and_never_retried(code: int) -> None:
    world = World(code)
    outcome = world.sender.deliver(message())
    assert outcome.status == "failed"
    assert len(world.zalo.requests) == 1
    assert world.store.items["bot:e1:0"]["error_code"] == code
    assert world.store.items["bot:e1:0"]["cause"] == "recipient"
    assert world.sender.deliver(message(), receive_count=2).status == "skipped"
    assert len(world.zalo.requests) == 1


def test_window_error_from_zalo_keeps_the_message_for_officers() -> None:
    world = World(-230)
    outcome = world.sender.deliver(message())
    assert outcome.status == "undeliverable_window"
    item = world.store.items["bot:e1:0"]
    assert item["status"] == "undeliverable_window"
    assert item["keep_for_officer"] is True and item["unit_id"] == "p-hiep-tan"


def test_outside_the_window_zalo_is_not_called() -> None:
    world = World(last_interaction=NOW - timedelta(days=7, minutes=1))
    outcome = world.sender.deliver(message())
    assert outcome.status == "undeliverable_window"
    assert world.zalo.requests == []
    assert world.conversation.messages == []


def test_unknown_last_interaction_lets_zalo_decide() -> None:
    world = World(last_interaction=None)
    assert world.sender.deliver(message()).status == "sent"


def test_oa_error_is_recorded_not_retried() -> None:
    world = World(-221)
    outcome = world.sender.deliver(message())
    assert outcome.status == "failed"
    assert world.store.items["bot:e1:0"]["reason"].startswith("oa:")
    assert world.store.items["bot:e1:0"]["cause"] == "oa"


def test_reply_inside_the_window_names_the_citizens_message() -> None:
    world = World()
    world.windows.current = ReplyWindow("msg-77", NOW - timedelta(hours=47), used=7)
    outcome = world.sender.deliver(message())
    assert outcome.status == "sent" and outcome.tier == "reply"
    assert world.zalo.delivered[0]["recipient"] == {"message_id": "msg-77"}
    record = world.store.items["bot:e1:0"]
    assert record["tier"] == "reply" and record["reply_to"] == "msg-77"
    assert world.ledger.counted == {}


@pytest.mark.parametrize(
    "window",
    [
        ReplyWindow("msg-77", NOW - timedelta(hours=48, seconds=1), used=0),  # after 48 hours
        ReplyWindow("msg-77", NOW - timedelta(hours=1), used=8),  # the 9th message
        ReplyWindow(),  # the citizen never wrote
    ],
)
def test_outside_the_free_replies_it_is_proactive_and_counted_once(window: ReplyWindow) -> None:
    world = World()
    world.windows.current = window
    outcome = world.sender.deliver(message())
    assert outcome.tier == "proactive"
    assert world.zalo.delivered[0]["recipient"] == {"user_id": USER}
    assert world.store.items["bot:e1:0"]["tier"] == "proactive"
    world.sender.deliver(message(), receive_count=2)  # a redelivery repeats the bookkeeping only
    assert world.ledger.counted == {"bot:e1:0": "2026-05"}


def test_zalo_quota_answer_is_recorded() -> None:
    world = World()
    world.windows.current = ReplyWindow("m1", NOW - timedelta(hours=1))
    quota = {"quota_type": "reply", "remain": "7", "total": "8"}

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"error": 0, "data": {"message_id": "z9", "quota": quota}})

    world.sender.zalo = ZaloClient(
        api_base="http://z", oauth_base="http://o", zns_base="http://n", transport=httpx.MockTransport(answer)
    )
    world.sender.deliver(message())
    assert world.store.items["bot:e1:0"]["quota"] == quota


def test_out_of_proactive_quota_is_kept_for_officers_with_the_quota_cause() -> None:
    world = World(-211)
    outcome = world.sender.deliver(message())
    assert outcome.status == "failed"
    record = world.store.items["bot:e1:0"]
    assert record["cause"] == "quota" and record["error_code"] == -211 and record["keep_for_officer"] is True
    assert len(world.zalo.requests) == 1  # never retried


def test_quiet_hours_defers_until_morning() -> None:
    world = World(-234)
    outcome = world.sender.deliver(message())
    assert outcome.status == "retry"
    assert outcome.retry_after >= 1
    assert len(world.zalo.requests) == 1


def test_unconnected_oa_retries_later_then_gives_up_for_the_officer() -> None:
    world = World()
    world.tokens.fail_refresh = TokenUnavailableError(OA, "refresh refused")
    world.zalo.script = [-216]
    first = world.sender.deliver(message(), receive_count=1)
    assert first.status == "retry" and first.retry_after == RetryPolicy().token_unavailable_delay
    world.zalo.script = [-216]
    last = world.sender.deliver(message(), receive_count=RetryPolicy().max_receives)
    assert last.status == "failed"
    assert world.store.items["bot:e1:0"]["status"] == "failed"


def test_no_call_is_started_that_would_outlive_the_function() -> None:
    import time

    world = World()
    outcome = world.sender.deliver(message(), deadline=time.monotonic() + 2)
    assert outcome.status == "retry"
    assert world.zalo.requests == []
    assert world.sender.deliver(message(), receive_count=2).status == "sent"


def test_live_claim_by_another_sender_is_not_sent_twice() -> None:
    world = World()
    world.store.items["bot:e1:0"] = {"status": "sending", "claim_until": epoch_ms(NOW) + 30_000}
    outcome = world.sender.deliver(message())
    assert outcome.status == "retry"
    assert world.zalo.requests == []


def test_our_own_failure_before_the_call_is_retried_without_a_duplicate_warning() -> None:
    world = World()

    class Broken:
        def last_interaction(self, oa_id: str, user_id: str) -> datetime | None:
            raise RuntimeError("DynamoDB throttled")

    world.sender.followers = Broken()
    outcome = world.sender.deliver(message())
    assert outcome.status == "retry"
    assert world.store.items["bot:e1:0"]["status"] == "retrying"  # not left "sending"
    assert world.zalo.requests == []
    world.sender.followers = Followers(NOW)
    assert world.sender.deliver(message(), receive_count=2).status == "sent"
    assert len(world.zalo.delivered) == 1


class Limiter:
    """The shared app-wide limiter as the sender sees it: slots granted or not, -32 penalties."""

    def __init__(self, grant: int = 1) -> None:
        self.grant = grant
        self.taken: list[str] = []
        self.penalized: list[str] = []

    def take(self, app_id: str, want: int = 1, max_wait: float = 30.0) -> Any:
        self.taken.append(app_id)
        return type("Grant", (), {"tokens": self.grant})()

    def penalize(self, app_id: str, seconds: float | None = None) -> float:
        self.penalized.append(app_id)
        return 0.0


def with_limiter(world: World, limiter: Limiter) -> World:
    world.sender.limiter = limiter
    world.sender.app_for = lambda oa: "app-1"
    return world


def test_replies_take_a_slot_of_the_apps_shared_quota() -> None:
    limiter = Limiter()
    world = with_limiter(World(), limiter)
    assert world.sender.deliver(message()).status == "sent"
    assert limiter.taken == ["app-1"]


def test_a_minus_32_on_a_reply_retries_without_pausing_the_whole_app() -> None:
    limiter = Limiter()
    world = with_limiter(World(-32), limiter)
    assert world.sender.deliver(message()).status == "sent"
    assert limiter.taken == ["app-1", "app-1"]  # one slot per call, the retry included
    assert limiter.penalized == []
    assert len(world.zalo.delivered) == 1


def test_no_slot_this_minute_goes_back_to_the_queue_without_calling_zalo() -> None:
    world = with_limiter(World(), Limiter(grant=0))
    outcome = world.sender.deliver(message())
    assert outcome.status == "retry"
    assert world.zalo.requests == []


class LostAnswer:
    """The first send reaches Zalo (or not) but its answer is lost; the conversation API says what
    Zalo has: `arrived` puts the message there, `lookup` = "error" makes the lookup fail."""

    def __init__(self, arrived: bool, lookup: str = "ok") -> None:
        self.arrived = arrived
        self.lookup = lookup
        self.sends = 0
        self.lookups = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/v2.0/oa/conversation"):
            self.lookups += 1
            if self.lookup == "error":
                return httpx.Response(200, json={"error": -201, "message": "not available"})
            text = "Cảm ơn bạn đã liên hệ."
            items = [
                {"src": 0, "message_id": "z-arrived", "time": int(NOW.timestamp() * 1000), "message": text}
            ]
            return httpx.Response(200, json={"error": 0, "data": items if self.arrived else []})
        self.sends += 1
        if self.sends == 1:
            raise httpx.ReadTimeout("answer lost", request=request)
        return httpx.Response(200, json={"error": 0, "data": {"message_id": f"z-new-{self.sends}"}})


def lost_answer_world(zalo: LostAnswer) -> World:
    world = World()
    world.sender.zalo = ZaloClient(
        api_base="http://z", oauth_base="http://o", zns_base="http://n", transport=httpx.MockTransport(zalo)
    )
    return world


def test_lost_answer_but_the_message_arrived_is_recorded_not_sent_again() -> None:
    zalo = LostAnswer(arrived=True)
    outcome = lost_answer_world(zalo).sender.deliver(message())
    assert outcome.status == "sent" and outcome.message_id == "z-arrived"
    assert zalo.sends == 1 and zalo.lookups == 1


def test_lost_answer_and_the_message_did_not_arrive_is_sent_again() -> None:
    zalo = LostAnswer(arrived=False)
    outcome = lost_answer_world(zalo).sender.deliver(message())
    assert outcome.status == "sent" and outcome.message_id == "z-new-2"
    assert zalo.sends == 2


def test_lost_answer_zalo_cannot_tell_is_kept_for_the_officers() -> None:
    zalo = LostAnswer(arrived=False, lookup="error")
    world = lost_answer_world(zalo)
    outcome = world.sender.deliver(message())
    assert outcome.status == "failed" and zalo.sends == 1
    record = world.store.items["bot:e1:0"]
    assert record["cause"] == "unknown" and record["keep_for_officer"] is True


def test_after_a_minus_32_the_message_comes_back_before_the_minute_is_over() -> None:
    world = World(-32, -32, -32, -32)
    outcome = world.sender.deliver(message(), receive_count=7)  # a late delivery: long backoff otherwise
    assert outcome.status == "retry"
    assert 1 <= outcome.retry_after <= 60 - NOW.second + 3


def test_a_paused_app_sends_the_reply_back_until_the_pause_ends() -> None:
    class Paused(Limiter):
        def pause_left(self, app_id: str) -> float:
            return 41.2

    outcome = with_limiter(World(), Paused(grant=0)).sender.deliver(message(), receive_count=5)
    assert outcome.status == "retry" and outcome.retry_after == 43

"""Delivering one outbox message: idempotency, the 7-day window, token refresh, retries, recording.

Delivery guarantee. A message key is claimed in its outbox record before Zalo is called and marked
`sent` with one small write right after Zalo answers; the conversation log and the statistics are
written after that, idempotently, so a redelivery only finishes them. Every failure we can see (Zalo
errors, connection refused, HTTP 5xx, our own timeouts before the call) leaves the message "not sent"
and it is retried: exactly once. When the answer is lost after the request went out (read timeout,
dropped connection) the sender asks Zalo (`v2.0/oa/conversation`) whether the message arrived: found,
it is recorded as sent with Zalo's id; not found, it is sent again; Zalo cannot tell (the lookup
fails, or the message has no text to recognise), it is kept for the officers with the cause
`unknown` instead of being sent twice or dropped. A function dying between Zalo's answer and the
`sent` write (milliseconds) is still sent again when its claim expires (logged as a possible
duplicate): a lost answer to a citizen is worse than a repeated one.

Tiers (docs/zalo.md). Before a consultation message goes out, the citizen's reply window is read from
the conversation log: inside 48 hours of the citizen's latest message and among the 8 messages after
it, the send is a free `reply` and names that message in `recipient.message_id`; otherwise it is
`proactive`. The tier and Zalo's `data.quota` answer are stored on the outbox record; proactive sends
are counted per OA and month (`QuotaLedger`). -211 (out of proactive quota) keeps the message for the
officers with the cause `quota`.

Retries. Transient errors (-32, network, 5xx) are retried in the function a few times with
exponential backoff and full jitter, within a few seconds; after that the item goes back to SQS with
its visibility set to a longer full-jitter backoff (the FIFO group waits, preserving order); after a
-32 never longer than the rest of the current minute, and when the shared limiter has paused the app
the item comes back when the pause ends. Token
errors get one refresh (serialised by `TokenStore`) and one retry. Recipient errors are recorded and
never retried; -230/-232 (window) and a known last interaction older than 7 days keep the message for
the officers of the OA's unit. OA errors are recorded and raise the `OutboundNeedsOperator` metric.
"""

from __future__ import annotations

import contextlib
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, NoReturn

from aws_lambda_powertools.metrics import MetricUnit

from anninh.clock import parse_iso, utcnow
from anninh.observability import logger, metrics
from anninh.outbox import OutboundMessage
from anninh.sending.ports import (
    ConversationLog,
    Conversations,
    CounterStats,
    FollowerRegistry,
    Followers,
    Ledger,
    ReplyWindows,
    SendLimiter,
    Stats,
    app_of,
    unit_of,
)
from anninh.sending.records import OutboxRecords
from anninh.sending.tiers import ConversationWindows, QuotaLedger, TierDecision, decide
from anninh.zalo.client import MessageKind, SendResult, ZaloClient
from anninh.zalo.errors import OUT_OF_QUOTA, RATE_LIMITED, TokenUnavailableError, ZaloError
from anninh.zalo.tokens import AccessTokens, TokenSession, TokenStore

WINDOW = timedelta(days=7)
MAX_VISIBILITY = 12 * 3600  # SQS limit
USE_QUEUE_BACKOFF = -1
USE_MINUTE_END = -2

OutcomeStatus = Literal["sent", "skipped", "undeliverable_window", "failed", "retry"]


@dataclass
class Outcome:
    status: OutcomeStatus
    message_id: str = ""
    retry_after: int = 0  # seconds before SQS should deliver it again (status "retry")
    reason: str = ""
    tier: str = ""  # reply | proactive, for a message sent now


@dataclass
class RetryPolicy:
    inline_attempts: int = 3  # Zalo calls per delivery attempt before handing back to SQS
    inline_base: float = 0.25
    inline_cap: float = 2.0
    inline_budget: float = 4.0  # seconds of sleeping per delivery attempt
    queue_base: float = 5.0
    queue_cap: float = 900.0
    queue_min: int = 1  # seconds; SQS delivers again at once with 0
    max_receives: int = 8  # the outbox queue's maxReceiveCount (template.yaml)
    token_unavailable_delay: int = 300

    def inline_delay(self, failures: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.inline_cap, self.inline_base * 2 ** (failures - 1)))

    def queue_delay(self, receive_count: int, rng: random.Random) -> int:
        ceiling = min(self.queue_cap, self.queue_base * 2 ** max(0, receive_count - 1))
        return max(self.queue_min, int(rng.uniform(0, ceiling)))


class _OutcomeUnknown(Exception):
    """The request went out, the answer was lost, and Zalo cannot tell us whether it arrived."""

    def __init__(self, reason: str, code: int) -> None:
        self.reason = reason
        self.code = code
        super().__init__(reason)


class _RetryLater(Exception):
    def __init__(self, delay: int, reason: str) -> None:
        self.delay = delay
        self.reason = reason
        super().__init__(reason)


class OutboxSender:
    def __init__(
        self,
        *,
        zalo: ZaloClient | None = None,
        tokens: AccessTokens | None = None,
        records: OutboxRecords | None = None,
        followers: Followers | None = None,
        conversations: Conversations | None = None,
        stats: Stats | None = None,
        unit_for: Callable[[str], str] = unit_of,
        limiter: SendLimiter | None = None,
        app_for: Callable[[str], str] = app_of,
        policy: RetryPolicy | None = None,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        claim_seconds: float = 60.0,
        call_timeout: float = 10.0,
        windows: ReplyWindows | None = None,
        ledger: Ledger | None = None,
    ) -> None:
        self.zalo = zalo or ZaloClient(timeout=call_timeout)
        self.tokens = tokens or TokenStore(client=self.zalo)
        self.records = records or OutboxRecords()
        self.followers = followers or FollowerRegistry()
        self.conversations = conversations or ConversationLog()
        self.stats = stats or CounterStats()
        self.unit_for = unit_for
        # Replies share the app's per-minute quota with broadcasts: take a slot before each call. A -32 on
        # a reply is retried with backoff like any transient error; pausing the whole app is left to the
        # broadcast senders, which make the volume (a reply must not hold every sender for a minute).
        self.limiter = limiter
        self.app_for = app_for
        self.policy = policy or RetryPolicy()
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()  # noqa: S311  # nosec B311 - retry jitter, not security
        self.claim_seconds = claim_seconds
        self.call_timeout = call_timeout
        self.windows = windows or ConversationWindows()
        self.ledger = ledger or QuotaLedger()

    # ------------------------------------------------------------------ entry point
    def deliver(self, msg: OutboundMessage, receive_count: int = 1, deadline: float | None = None) -> Outcome:
        """Send one outbox message at most once per key (see the module docstring for the ambiguous case).

        `deadline` is a `time.monotonic()` instant by which this call must have returned (the Lambda's
        remaining time); no Zalo call is started that could outlive it.
        """
        log = {"key": msg.key, "oa_id": msg.oa_id, "origin": msg.origin, "receive_count": receive_count}
        now = self.clock()
        claim = self.records.claim(msg, now, self.claim_seconds)
        if not claim.claimed:
            return self._not_claimed(msg, claim.status, claim.record, log)
        if claim.took_over_stale:
            logger.warning(
                "a previous sender died while sending; sending again (possible duplicate)", extra=log
            )
        unit_id = ""
        try:
            unit_id = self.unit_for(msg.oa_id)
            last = self.followers.last_interaction(msg.oa_id, msg.user_id)
            if last is not None and now - last > WINDOW:
                return self._undeliverable(msg, unit_id, "no interaction in the last 7 days", None, log)
            decision = self._decide(msg, now)
            log["tier"] = decision.tier
            result = self._send_with_retries(msg, deadline, log, decision)
        except _RetryLater as later:
            return self._retry_later(msg, unit_id, later, receive_count, log)
        except ZaloError as exc:
            return self._permanent(msg, unit_id, exc, log)
        except _OutcomeUnknown as unknown:
            self.records.mark_final(
                msg=msg,
                status="failed",
                cause="unknown",
                reason=unknown.reason,
                at=self.clock(),
                unit_id=unit_id,
                error_code=unknown.code,
            )
            metrics.add_metric(name="OutboundOutcomeUnknown", unit=MetricUnit.Count, value=1)
            logger.warning(
                "send outcome unknown; kept for the officers", extra={**log, "reason": unknown.reason}
            )
            return Outcome("failed", reason=unknown.reason)
        except Exception:
            # Zalo's failures are ZaloErrors, handled above: this is ours (AWS, registry...) and the
            # message did not go out. Say so on the record, so that the next delivery is not taken
            # for a sender that died mid-send.
            logger.exception("outbound message failed before reaching Zalo; will retry", extra=log)
            delay = self.policy.queue_delay(receive_count, self.rng)
            with contextlib.suppress(Exception):
                self.records.mark_retrying(msg.key, "internal error", self.clock(), delay)
            return Outcome("retry", retry_after=delay, reason="internal error")
        sent_at = self.clock()
        self.records.mark_sent(
            msg.key,
            result.message_id,
            sent_at,
            tier=decision.tier,
            reply_to=decision.reply_to,
            quota=result.quota,
        )
        metrics.add_metric(name="MessagesSent", unit=MetricUnit.Count, value=1)
        self._finish(msg, result.message_id, sent_at, unit_id, decision.tier)
        return Outcome("sent", message_id=result.message_id, tier=decision.tier)

    def _decide(self, msg: OutboundMessage, now: datetime) -> TierDecision:
        """Reply or proactive, before the message goes out (docs/zalo.md)."""
        kind = str(msg.meta.get("kind") or "cs")
        if kind != "cs":
            return TierDecision("proactive")
        return decide(self.windows.window(msg.oa_id, msg.user_id), now, kind)

    # ------------------------------------------------------------------ steps
    def _retry_later(
        self,
        msg: OutboundMessage,
        unit_id: str,
        later: _RetryLater,
        receive_count: int,
        log: dict[str, object],
    ) -> Outcome:
        if later.delay == USE_MINUTE_END:  # -32: Zalo's minute ends within 60 s; never wait longer
            minute_left = 60 - self.clock().second + self.rng.randint(1, 3)
            delay = min(self.policy.queue_delay(receive_count, self.rng), minute_left)
        else:
            delay = later.delay if later.delay >= 0 else self.policy.queue_delay(receive_count, self.rng)
        if receive_count >= self.policy.max_receives:
            metrics.add_metric(name="OutboundNeedsOperator", unit=MetricUnit.Count, value=1)
            self.records.mark_final(
                msg=msg,
                status="failed",
                cause="retries",
                reason=f"gave up after {receive_count} deliveries: {later.reason}",
                at=self.clock(),
                unit_id=unit_id,
            )
            logger.error("outbound message given up", extra={**log, "reason": later.reason})
            return Outcome("failed", reason=later.reason)
        self.records.mark_retrying(msg.key, later.reason, self.clock(), delay)
        logger.info("outbound message will be retried", extra={**log, "delay": delay, "reason": later.reason})
        return Outcome("retry", retry_after=delay, reason=later.reason)

    def _not_claimed(
        self, msg: OutboundMessage, status: str, record: dict[str, object], log: dict[str, object]
    ) -> Outcome:
        if status == "sent":
            message_id = str(record.get("message_id") or "")
            # The function may have died between Zalo's answer and the bookkeeping: repeat it (it is
            # idempotent: the conversation dedupes on Zalo's message id, the counters on the key).
            sent_at = parse_iso(str(record["sent_at"])) if record.get("sent_at") else self.clock()
            self._finish(msg, message_id, sent_at, self.unit_for(msg.oa_id), str(record.get("tier") or ""))
            logger.info("outbound message already sent; not sending again", extra=log)
            return Outcome("skipped", message_id=message_id, reason="already sent")
        if status in ("failed", "undeliverable_window"):
            return Outcome("skipped", reason=f"already {status}")
        # Another sender holds a live claim (a redelivery overlapping a slow send): look again later.
        return Outcome("retry", retry_after=int(self.claim_seconds), reason="claimed by another sender")

    def _finish(
        self, msg: OutboundMessage, message_id: str, at: datetime, unit_id: str, tier: str = ""
    ) -> None:
        self.conversations.record_outbound(msg, message_id, at)
        self.stats.count_sent(msg, unit_id, at)
        if tier == "proactive":
            try:
                self.ledger.count_proactive(msg.oa_id, msg.key, at)
            except Exception:  # the quota figure must never make a delivered message look undelivered
                logger.exception("proactive send not counted", extra={"key": msg.key, "oa_id": msg.oa_id})

    def _time_left(self, deadline: float | None) -> float:
        return float("inf") if deadline is None else deadline - time.monotonic()

    def _send_with_retries(
        self,
        msg: OutboundMessage,
        deadline: float | None,
        log: dict[str, object],
        decision: TierDecision | None = None,
    ) -> SendResult:
        requested = msg.meta.get("kind")
        kind: MessageKind = requested if requested in ("transaction", "promotion") else "cs"
        session = TokenSession(self.tokens, msg.oa_id, log)
        try:
            session.token()
        except TokenUnavailableError as exc:
            self._token_unavailable(exc, log)
        failures = 0
        slept = 0.0
        while True:
            if self._time_left(deadline) < self.call_timeout + 1.0:
                raise _RetryLater(0, "function time nearly over before the call")
            app_id = self.app_for(msg.oa_id) if self.limiter else ""
            if self.limiter and app_id:
                wait = max(0.0, min(5.0, self._time_left(deadline) - self.call_timeout - 1.0))
                if not self.limiter.take(app_id, 1, max_wait=wait).tokens:
                    # Back when the app's pause (after a -32) or the busy minute ends, not later.
                    pause_left = getattr(self.limiter, "pause_left", None)
                    delay = math.ceil(pause_left(app_id)) + 1 if pause_left else USE_QUEUE_BACKOFF
                    raise _RetryLater(
                        min(MAX_VISIBILITY, delay), "the app's Zalo quota for this minute is taken"
                    )
            attempt_at = self.clock()
            try:
                reply_to = decision.reply_to if decision is not None else None
                return self.zalo.send_message(
                    session.token(), msg.user_id, msg.message, kind=kind, reply_to=reply_to
                )
            except ZaloError as exc:
                if exc.kind == "token":
                    try:
                        if session.renew(exc):
                            continue  # the same path as every sender's (TokenSession.call)
                    except TokenUnavailableError as unavailable:
                        self._token_unavailable(unavailable, log)
                    metrics.add_metric(name="OutboundNeedsOperator", unit=MetricUnit.Count, value=1)
                    raise _RetryLater(
                        self.policy.token_unavailable_delay, f"token refused after a refresh ({exc.code})"
                    ) from exc
                if exc.kind != "transient":
                    raise
                failures += 1
                if exc.maybe_delivered:
                    # The request went out and the answer was lost: ask Zalo before sending again.
                    found = self._reconcile(session.token(), msg, attempt_at, log)
                    if found:
                        return SendResult(message_id=found, user_id=msg.user_id)
                    if found is None:
                        raise _OutcomeUnknown(
                            f"{exc.code}: {exc.message}; Zalo could not tell whether it arrived", exc.code
                        ) from exc
                if exc.retry_at is not None:  # quiet hours: come back when they end
                    delay = int((exc.retry_at - self.clock()).total_seconds()) + 1
                    raise _RetryLater(min(MAX_VISIBILITY, max(1, delay)), str(exc)) from exc
                pause = self.policy.inline_delay(failures, self.rng)
                if (
                    failures >= self.policy.inline_attempts
                    or slept + pause > self.policy.inline_budget
                    or self._time_left(deadline) < pause + self.call_timeout + 1.0
                ):
                    delay = USE_MINUTE_END if exc.code == RATE_LIMITED else USE_QUEUE_BACKOFF
                    raise _RetryLater(delay, f"{exc.code}: {exc.message}") from exc
                logger.info(
                    "transient Zalo error; retrying shortly",
                    extra={**log, "code": exc.code, "pause": round(pause, 3)},
                )
                self.sleep(pause)
                slept += pause

    def _reconcile(
        self, token: str, msg: OutboundMessage, attempt_at: datetime, log: dict[str, object]
    ) -> str | Literal[False] | None:
        """After a lost answer: Zalo's message id when the conversation shows the message arrived,
        False when Zalo shows it did not (safe to send again), None when Zalo cannot tell (the
        conversation API failed, or the message has no text to recognise it by)."""
        since_ms = int(attempt_at.timestamp() * 1000) - 60_000  # clocks differ a little
        found = self.zalo.find_sent(token, msg.user_id, msg.message, since_ms)
        if found:
            logger.info("the message had arrived; recorded, not sent again", extra=log)
        elif found is False:
            logger.info("the message had not arrived; sending it again", extra=log)
        else:
            logger.warning("Zalo cannot tell whether the message arrived", extra=log)
        return found

    def _token_unavailable(self, exc: TokenUnavailableError, log: dict[str, object]) -> NoReturn:
        if not exc.transient:
            metrics.add_metric(name="OutboundNeedsOperator", unit=MetricUnit.Count, value=1)
            logger.error("no usable Zalo token for the OA", extra={**log, "reason": exc.reason})
            raise _RetryLater(self.policy.token_unavailable_delay, exc.reason) from exc
        raise _RetryLater(USE_QUEUE_BACKOFF, exc.reason) from exc

    def _undeliverable(
        self, msg: OutboundMessage, unit_id: str, reason: str, code: int | None, log: dict[str, object]
    ) -> Outcome:
        self.records.mark_final(
            msg=msg,
            status="undeliverable_window",
            cause="window",
            reason=reason,
            at=self.clock(),
            unit_id=unit_id,
            error_code=code,
        )
        metrics.add_metric(name="OutboundOutsideWindow", unit=MetricUnit.Count, value=1)
        logger.info("outside the interaction window; kept for the officers", extra={**log, "reason": reason})
        return Outcome("undeliverable_window", reason=reason)

    def _permanent(
        self, msg: OutboundMessage, unit_id: str, exc: ZaloError, log: dict[str, object]
    ) -> Outcome:
        if exc.outside_window:
            return self._undeliverable(
                msg, unit_id, exc.message or "no interaction in the last 7 days", exc.code, log
            )
        if exc.code == OUT_OF_QUOTA:
            self.records.mark_final(
                msg=msg,
                status="failed",
                cause="quota",
                reason=f"{exc.code}: {exc.message or 'out of proactive quota'} (tier {log.get('tier', '?')})",
                at=self.clock(),
                unit_id=unit_id,
                error_code=exc.code,
            )
            metrics.add_metric(name="OutboundOutOfQuota", unit=MetricUnit.Count, value=1)
            logger.warning("OA out of proactive quota; kept for the officers", extra=log)
            return Outcome("failed", reason=str(exc))
        self.records.mark_final(
            msg=msg,
            status="failed",
            cause="oa"
            if exc.kind in ("oa", "token")
            else "recipient"
            if exc.kind == "recipient"
            else "invalid",
            reason=f"{exc.kind}: {exc.message}",
            at=self.clock(),
            unit_id=unit_id,
            error_code=exc.code,
        )
        if exc.kind == "oa":
            metrics.add_metric(name="OutboundNeedsOperator", unit=MetricUnit.Count, value=1)
            logger.error("Zalo refused the OA; an operator must act", extra={**log, "code": exc.code})
        elif exc.kind == "invalid":
            logger.error("Zalo rejected the message as invalid", extra={**log, "code": exc.code})
        else:
            metrics.add_metric(name="OutboundRecipientRefused", unit=MetricUnit.Count, value=1)
            logger.info("recipient cannot receive; recorded, not retried", extra={**log, "code": exc.code})
        return Outcome("failed", reason=str(exc))

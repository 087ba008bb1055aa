"""Zalo's error codes mapped to what the caller should do about them.

Zalo answers HTTP 200 with `{"error": <negative code>, "message": ...}` when a call fails, so every
response is checked. Each code falls into one kind:

- ``transient``  try again later: -32 (app-wide rate limit), network errors, timeouts, HTTP 5xx/429,
  and -234 (promotion refused during quiet hours 22:00-06:00 Vietnam time). For -234 we chose
  "transient with a retry time" rather than a sixth kind: the message is still valid and will be
  accepted after 06:00, so the error carries ``retry_at`` and callers that retry transient errors
  defer it to then instead of hammering Zalo all night.
- ``token``      refresh the OA's access token and retry once: -216 (invalid), -220 (expired), -124.
- ``recipient``  permanent for this citizen, never retried: -213 (not a follower), -227 (banned or
  inactive > 45 days), -230 (no interaction in 7 days), -232 (interaction expired), -244 (user
  restricted this type) and -218 (per-recipient limit reached: Zalo refuses more messages to this
  person; retrying only burns the app-wide rate limit).
- ``oa``         permanent for the whole OA until an operator acts: -204/-205 (OA deleted/missing),
  -211 (out of quota), -221 (not verified), -223 (API not authorised), -224 (package upgrade),
  -240 (v2 message API shut down), -248 (content violates standards).
- ``invalid``    our request is wrong (-201 bad parameter) or an unknown code: do not retry blindly.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from anninh.clock import VN_TZ, utcnow

ErrorKind = Literal["transient", "token", "recipient", "oa", "invalid"]

RATE_LIMITED = -32
BAD_PARAMETER = -201
OUT_OF_QUOTA = -211
TOKEN_INVALID = -216
TOKEN_EXPIRED = -220
NO_INTERACTION_7_DAYS = -230
INTERACTION_EXPIRED = -232
QUIET_HOURS = -234
# Not Zalo codes: our own markers for failures that never produced a Zalo answer.
NETWORK_ERROR = -1001
HTTP_ERROR = -1002
BAD_RESPONSE = -1003

TRANSIENT_CODES = frozenset({RATE_LIMITED, QUIET_HOURS})
TOKEN_CODES = frozenset({TOKEN_INVALID, TOKEN_EXPIRED, -124})
RECIPIENT_CODES = frozenset({-213, -218, -227, NO_INTERACTION_7_DAYS, INTERACTION_EXPIRED, -244})
OA_CODES = frozenset({-204, -205, -211, -221, -223, -224, -240, -248})
# The recipient errors that mean "outside the interaction window": kept for an officer to follow up.
WINDOW_CODES = frozenset({NO_INTERACTION_7_DAYS, INTERACTION_EXPIRED})

QUIET_HOURS_END = 6  # 06:00 Vietnam time


def kind_of(code: int) -> ErrorKind:
    if code in TRANSIENT_CODES:
        return "transient"
    if code in TOKEN_CODES:
        return "token"
    if code in RECIPIENT_CODES:
        return "recipient"
    if code in OA_CODES:
        return "oa"
    return "invalid"


def end_of_quiet_hours(now: datetime | None = None) -> datetime:
    """The next 06:00 in Vietnam (when promotion messages are accepted again)."""
    local = (now or utcnow()).astimezone(VN_TZ)
    end = local.replace(hour=QUIET_HOURS_END, minute=0, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    return end


class ZaloError(Exception):
    """A failed Zalo call. ``kind`` tells the caller whether and how to retry.

    ``maybe_delivered`` is true when the request may have reached Zalo before the failure (a read
    timeout or a dropped connection after sending): retrying such a send can duplicate the message.
    """

    def __init__(
        self,
        code: int,
        message: str,
        kind: ErrorKind | None = None,
        *,
        endpoint: str = "",
        http_status: int | None = None,
        retry_at: datetime | None = None,
        maybe_delivered: bool = False,
    ) -> None:
        self.code = code
        self.message = message
        self.kind: ErrorKind = kind or kind_of(code)
        self.endpoint = endpoint
        self.http_status = http_status
        self.retry_at = retry_at
        self.maybe_delivered = maybe_delivered
        super().__init__(f"Zalo error {code} ({self.kind}) on {endpoint or '?'}: {message}")

    @classmethod
    def from_response(cls, code: int, message: str, endpoint: str, http_status: int = 200) -> ZaloError:
        retry_at = end_of_quiet_hours() if code == QUIET_HOURS else None
        return cls(code, message, endpoint=endpoint, http_status=http_status, retry_at=retry_at)

    @property
    def outside_window(self) -> bool:
        return self.code in WINDOW_CODES


class TokenUnavailableError(Exception):
    """The OA has no usable token: not connected, or its refresh failed (an admin must re-authorise)."""

    def __init__(self, oa_id: str, reason: str, *, transient: bool = False) -> None:
        self.oa_id = oa_id
        self.reason = reason
        self.transient = transient
        super().__init__(f"no Zalo token for OA {oa_id}: {reason}")

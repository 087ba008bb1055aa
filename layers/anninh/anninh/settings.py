"""Settings: one pydantic model, read once from the environment (nothing else reads os.environ)."""

from __future__ import annotations

import os
from functools import cache

from pydantic import BaseModel, Field

DEFAULT_MEDIA_HOSTS = ("*.zdn.vn", "*.zadn.vn", "*.zalo.me", "*.zaloapp.com")
DEFAULT_OVERDUE_HOURS = {"new": 4, "in_review": 48, "verified": 72, "forwarded": 24}


def parse_overdue_hours(raw: str) -> dict[str, int]:
    """ "new=4,in_review=48" -> {"new": 4, "in_review": 48}; empty -> the defaults."""
    out: dict[str, int] = {}
    for part in raw.split(","):
        name, _, hours = part.partition("=")
        if name.strip() and hours.strip().isdigit() and int(hours) > 0:
            out[name.strip()] = int(hours)
    return out or dict(DEFAULT_OVERDUE_HOURS)


class Settings(BaseModel):
    stage: str = "local"
    region: str = "ap-southeast-1"
    table_name: str = "anninh-main"
    inbound_queue_url: str = ""
    media_queue_url: str = ""
    outbox_queue_url: str = ""
    campaign_queue_url: str = ""
    broadcast_queue_url: str = ""
    report_queue_url: str = ""
    media_bucket: str = "anninh-media"
    reports_bucket: str = "anninh-reports"
    app_secrets_id: str = "anninh/zalo-apps"
    pseudonym_secret_id: str = "anninh/pseudonym-pepper"
    token_secret_prefix: str = "anninh/oa-tokens/"
    pii_key_id: str = ""
    user_pool_id: str = ""
    zalo_api_base: str = "https://openapi.zalo.me"
    zalo_oauth_base: str = "https://oauth.zaloapp.com"
    zns_api_base: str = "https://business.openapi.zalo.me"
    media_allowed_hosts: tuple[str, ...] = DEFAULT_MEDIA_HOSTS
    zalo_rate_limit_per_minute: int = Field(default=4000, ge=1)
    # Free proactive messages per OA and month (a verified OA gets 1,000; docs/zalo.md). Used when
    # Zalo's quota endpoint cannot be asked.
    zalo_proactive_quota_per_month: int = Field(default=1000, ge=0)
    retention_days: int = Field(default=365, ge=1)
    # Registry JSON (apps, units, OAs, local officers); used by the local cloud and operator commands.
    registry_path: str = ""
    # Webhook: largest body accepted (Zalo events are small; SQS caps a message at 256 KiB).
    webhook_max_body_bytes: int = 200_000
    # Webhook freshness: a signed event whose timestamp is older than this (or further than
    # WEBHOOK_FUTURE_SKEW_SECONDS ahead) is kept aside, not processed. 3 h covers Zalo's retry schedule
    # (30 s, 5 min, 15 min, 30 min, 1 h: the last retry is ~2 h after the first attempt) with room for
    # clock skew; receipts dedupe for 30 days, so a replay inside the window is a duplicate and one
    # outside it is refused (docs/security.md). The local stack widens it for dated demo traffic.
    webhook_max_event_age_seconds: int = Field(default=3 * 3600, ge=0)
    webhook_future_skew_seconds: int = Field(default=600, ge=0)
    # Scheduled token refresh: refresh OAs whose access token expires within this many hours.
    token_refresh_within_hours: float = Field(default=6.0, gt=0)
    # Officer workflow: a case with no officer action for this many hours in a status is overdue
    # (OVERDUE_HOURS="new=4,in_review=48,verified=72,forwarded=24"; statuses left out never are).
    overdue_hours: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_OVERDUE_HOURS))
    # Tip cases (intake): follow-ups within this many minutes of inactivity join the open case; a
    # citizen may open at most this many cases per hour; a location routes to a ward within this range.
    case_window_minutes: int = Field(default=30, ge=1)
    case_rate_limit_per_hour: int = Field(default=5, ge=1)
    case_route_max_km: float = Field(default=3.0, gt=0)
    # Urgent alerts: the SNS topic on-call officers' SMS go through; minutes before an unacknowledged
    # alert escalates to the parent unit's on-call; minutes an urgent case may wait for an officer.
    oncall_topic_arn: str = ""
    alert_escalate_minutes: float = Field(default=5.0, gt=0)
    urgent_sla_minutes: int = Field(default=15, ge=1)
    # Conversation continuity: a citizen's message within this many days of an officer's reply goes
    # to that officer's case, not to the bot.
    officer_thread_days: float = Field(default=7.0, gt=0)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        e = dict(os.environ if env is None else env)
        hosts = tuple(h.strip() for h in e.get("MEDIA_ALLOWED_HOSTS", "").split(",") if h.strip())
        values: dict[str, object] = {
            "stage": e.get("STAGE", "local"),
            "region": e.get("AWS_REGION") or e.get("AWS_DEFAULT_REGION") or "ap-southeast-1",
            "table_name": e.get("TABLE_NAME", "anninh-main"),
            "inbound_queue_url": e.get("INBOUND_QUEUE_URL", ""),
            "media_queue_url": e.get("MEDIA_QUEUE_URL", ""),
            "outbox_queue_url": e.get("OUTBOX_QUEUE_URL", ""),
            "campaign_queue_url": e.get("CAMPAIGN_QUEUE_URL", ""),
            "broadcast_queue_url": e.get("BROADCAST_QUEUE_URL", ""),
            "report_queue_url": e.get("REPORT_QUEUE_URL", ""),
            "media_bucket": e.get("MEDIA_BUCKET", "anninh-media"),
            "reports_bucket": e.get("REPORTS_BUCKET", "anninh-reports"),
            "app_secrets_id": e.get("APP_SECRETS_ID", "anninh/zalo-apps"),
            "pseudonym_secret_id": e.get("PSEUDONYM_SECRET_ID", "anninh/pseudonym-pepper"),
            "token_secret_prefix": e.get("TOKEN_SECRET_PREFIX", "anninh/oa-tokens/"),
            "pii_key_id": e.get("PII_KEY_ID", ""),
            "user_pool_id": e.get("USER_POOL_ID", ""),
            "zalo_api_base": e.get("ZALO_API_BASE") or "https://openapi.zalo.me",
            "zalo_oauth_base": e.get("ZALO_OAUTH_BASE") or "https://oauth.zaloapp.com",
            "zns_api_base": e.get("ZNS_API_BASE") or "https://business.openapi.zalo.me",
            "media_allowed_hosts": hosts or DEFAULT_MEDIA_HOSTS,
            "zalo_rate_limit_per_minute": int(e.get("ZALO_RATE_LIMIT_PER_MINUTE") or 4000),
            "zalo_proactive_quota_per_month": int(e.get("ZALO_PROACTIVE_QUOTA_PER_MONTH") or 1000),
            "retention_days": int(e.get("RETENTION_DAYS") or 365),
            "overdue_hours": parse_overdue_hours(e.get("OVERDUE_HOURS", "")),
            "registry_path": e.get("ANNINH_REGISTRY", ""),
            "token_refresh_within_hours": float(e.get("TOKEN_REFRESH_WITHIN_HOURS") or 6.0),
            "case_window_minutes": int(e.get("CASE_WINDOW_MINUTES") or 30),
            "case_rate_limit_per_hour": int(e.get("CASE_RATE_LIMIT_PER_HOUR") or 5),
            "case_route_max_km": float(e.get("CASE_ROUTE_MAX_KM") or 3.0),
            "webhook_max_event_age_seconds": int(e.get("WEBHOOK_MAX_EVENT_AGE_SECONDS") or 3 * 3600),
            "webhook_future_skew_seconds": int(e.get("WEBHOOK_FUTURE_SKEW_SECONDS") or 600),
            "oncall_topic_arn": e.get("ONCALL_TOPIC_ARN", ""),
            "alert_escalate_minutes": float(e.get("ALERT_ESCALATE_MINUTES") or 5.0),
            "urgent_sla_minutes": int(e.get("URGENT_SLA_MINUTES") or 15),
            "officer_thread_days": float(e.get("OFFICER_THREAD_DAYS") or 7.0),
        }
        return cls.model_validate(values)


@cache
def get_settings() -> Settings:
    """The process-wide settings, validated at cold start."""
    return Settings.from_env()


def reset_settings() -> None:
    """Forget cached settings (tests and the local cloud change the environment)."""
    get_settings.cache_clear()

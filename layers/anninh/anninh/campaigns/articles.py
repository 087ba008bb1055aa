"""Article broadcasts: Zalo fans an article out to an OA's followers itself (with its own review and
per-follower caps: 1 broadcast a day, 4 a month for a verified OA), so a campaign of kind "article"
makes one request per OA: create the article (create -> token, verify -> id) unless an article id was
given, then POST /v2.0/oa/message with `recipient.target` filters. It is tracked like any campaign:
total = number of OAs, sent / failed per OA, with a delivery record per OA so that a retried planner
never broadcasts twice.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from anninh.campaigns.gateway import ZaloGateway
from anninh.campaigns.store import CampaignStore, DeliveryStore, default_deliveries
from anninh.observability import logger
from anninh.zalo.errors import TokenUnavailableError, ZaloError

ARTICLE_RECIPIENT = "*article*"


def article_payload(article: dict[str, Any]) -> dict[str, Any]:
    """The body of /v2.0/article/create for a normal article."""
    return {
        "type": "normal",
        "title": article["title"],
        "author": article.get("author") or "",
        "cover": {"cover_type": "photo", "photo_url": str(article["cover_url"]), "status": "show"},
        "description": article["description"],
        "body": [{"type": "text", "content": article["body"]}],
        "status": "show",
        "comment": "show",
    }


def broadcast_articles(
    item: dict[str, Any],
    store: CampaignStore,
    gateway: Any,
    now: datetime,
    deliveries: DeliveryStore | None = None,
) -> Counter[str]:
    gateway = gateway or ZaloGateway()
    deliveries = deliveries or default_deliveries()
    cid = str(item["id"])
    spec = item.get("spec") or {}
    oa_ids = [str(o) for o in item["oa_ids"]]
    store.checkpoint(
        cid,
        None,
        {"oa": len(oa_ids), "key": None, "page": 0},
        counts={"total": len(oa_ids)},
        planning_done=True,
        now=now,
    )
    counts: Counter[str] = Counter()
    article_ids: dict[str, str] = {}
    for oa_id in oa_ids:
        claim = deliveries.claim(cid, oa_id, ARTICLE_RECIPIENT, now)
        if claim.state != "mine":
            continue  # already broadcast (or being broadcast) by an earlier attempt
        try:
            article_id = str(spec.get("article_id") or "")
            if not article_id:
                article_id = gateway.create_article(oa_id, article_payload(spec["article"]))
            article_ids[oa_id] = article_id
            message_id = gateway.broadcast_article(oa_id, article_id, dict(spec.get("target") or {}))
        except (ZaloError, TokenUnavailableError) as exc:
            reason = (
                "oa_token"
                if isinstance(exc, TokenUnavailableError) or exc.kind == "token"
                else ("outcome_unknown" if getattr(exc, "maybe_delivered", False) else "oa_error")
            )
            logger.warning(
                "article broadcast failed", extra={"campaign_id": cid, "oa_id": oa_id, "error": str(exc)}
            )
            deliveries.finish(
                cid, oa_id, ARTICLE_RECIPIENT, claim.claim_id, status="failed", now=now, reason=reason
            )
            counts.update(["failed", f"fail_{reason}"])
            continue
        deliveries.finish(
            cid, oa_id, ARTICLE_RECIPIENT, claim.claim_id, status="sent", now=now, message_id=message_id
        )
        counts["sent"] += 1
    if article_ids:
        store.set_fields(cid, article_ids=article_ids)
    store.add_counts(cid, dict(counts), now)
    return counts

"""Security-news links per OA (service over a store; defaults from kb/data/news_default.json)."""

from __future__ import annotations

from anninh.bot.news.service import DEFAULT_FILE, News, NewsInput, NewsLink, default_links
from anninh.bot.news.store import DynamoNewsStore, NewsStore, default_store

__all__ = [
    "DEFAULT_FILE",
    "DynamoNewsStore",
    "News",
    "NewsInput",
    "NewsLink",
    "NewsStore",
    "default_links",
    "default_store",
    "service",
]


def service() -> News:
    """News on the process's main table."""
    return News(default_store())

"""Hotlines, security news and notices on in-memory stores: what citizens and editors see."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from anninh.bot.news import News, NewsInput
from anninh.hotlines import Hotline, Hotlines
from anninh.notices import NoticeInput, NoticePatch, Notices
from anninh.registry import Registry
from tests.fakes.selfservice import InMemoryHotlineStore, InMemoryNewsStore, InMemoryNoticeStore

AT = datetime(2026, 5, 10, 3, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def registry() -> Registry:
    from tests.conftest import DEMO_REGISTRY

    return Registry.load(DEMO_REGISTRY)


def test_a_ward_without_numbers_shows_the_district_and_an_admins_list_wins(registry: Registry) -> None:
    store = InMemoryHotlineStore()
    service = Hotlines(store)
    name, own = service.for_unit("p-hiep-tan", registry)  # the ward has no number: the district's desk
    assert name == "Công an quận Tân Phú" and [h.phone for h in own] == ["02838649393"]
    service.save("p-hiep-tan", [Hotline(label="Trực ban phường", phone="090 123 4567")], "admin", "t")
    name, own = service.for_unit("p-hiep-tan", registry)
    assert name == "Công an phường Hiệp Tân" and own == [Hotline(label="Trực ban phường", phone="0901234567")]
    assert store.edits == [("p-hiep-tan", "admin", "t")]
    assert service.for_unit("no-such-unit", registry) == ("", [])


def test_news_shows_the_defaults_until_the_oa_has_links_of_its_own() -> None:
    service = News(InMemoryNewsStore())
    defaults = service.latest("oa1", 2)
    assert len(defaults) == 2 and all(link.news_id.startswith("default-") for link in defaults)
    older = service.add("oa1", NewsInput(title="Tin cũ", url="https://example.vn/a", published_at=AT), "ed")
    newer = service.add(
        "oa1", NewsInput(title="Tin mới", url="https://example.vn/b"), "ed", now=AT.replace(day=11)
    )
    assert [link.title for link in service.latest("oa1")] == ["Tin mới", "Tin cũ"]
    assert service.remove("oa1", newer.news_id) and not service.remove("oa1", newer.news_id)
    assert [link.news_id for link in service.latest("oa1")] == [older.news_id]


def test_withdrawn_notices_leave_the_feed_but_editors_still_see_them() -> None:
    service = Notices(InMemoryNoticeStore())
    first = service.create(
        NoticeInput(kind="missing", title="Tìm người thân"), unit_id="u1", editor="ed", now=AT
    )
    second = service.create(
        NoticeInput(kind="wanted", title="Truy nã đối tượng"),
        unit_id="u1",
        editor="ed",
        now=AT.replace(day=11),
    )
    page, cursor = service.list_published(1)
    assert [n.notice_id for n in page] == [second.notice_id] and cursor
    assert [n.notice_id for n in service.list_published(1, cursor)[0]] == [first.notice_id]
    assert [n.notice_id for n in service.list_published(3, kind="missing")[0]] == [first.notice_id]
    withdrawn = service.withdraw(second.notice_id, now=AT.replace(day=12))
    assert withdrawn is not None and withdrawn.status == "withdrawn"
    assert [n.notice_id for n in service.list_published(3)[0]] == [first.notice_id]
    assert {n.notice_id for n in service.list_for_editors()} == {first.notice_id, second.notice_id}
    changed = service.update(first.notice_id, NoticePatch(title="Tìm người thân (cập nhật)"))
    assert changed is not None and service.get(first.notice_id) == changed
    assert service.update("missing-id", NoticePatch(title="Không có")) is None

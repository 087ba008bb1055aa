"""Canned replies and CCCD records on in-memory stores (KMS is a fake: names are sealed for real)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from anninh import crypto
from anninh.canned import CannedService
from anninh.cccd import LOOKUPS_PER_WINDOW, NOT_FOUND, CccdService
from tests.fakes.canned import MemoryCannedStore
from tests.fakes.cccd import MemoryCccdStore
from tests.fakes.kms import FakeKms

NOW = datetime(2026, 5, 4, 3, 0, tzinfo=UTC)
CSV = """receipt_no,full_name,dob,status,ready_at,pickup_place
TP-0001,Nguyễn Văn An,05/09/1990,ready,2026-05-02,Công an phường Hiệp Tân
TP-0002,Trần Thị Bình,01/01/1980,processing,,
"""


def test_canned_replies_are_offered_by_unit_found_by_folded_text_and_patched() -> None:
    service = CannedService(MemoryCannedStore(), new_id=iter(["r1", "r2"]).__next__)
    mine = service.create(
        title="Giờ làm việc", text="Từ 7h30", unit_id="ward-a", tags=["giờ"], by="e", at="t0"
    )
    service.create(title="Căn cước", text="Mang giấy hẹn", unit_id="ward-b", tags=[], by="e", at="t0")
    assert [v["id"] for v in service.offered(lambda unit: unit == "ward-a", "gio lam")] == ["r1"]
    updated = service.update(mine, {"unit_id": None, "title": "Giờ tiếp dân"}, "e2", "t1")
    assert "unit_id" not in updated and updated["updated_by"] == "e2"
    assert [v["title"] for v in service.offered(lambda unit: unit is None)] == ["Giờ tiếp dân"]
    service.delete("r1")
    assert service.get("r1") is None


@pytest.fixture
def cccd() -> Iterator[tuple[CccdService, MemoryCccdStore, list[Any]]]:
    crypto.reset_crypto_caches()
    store, counted = MemoryCccdStore(), []
    yield CccdService(store, lambda *a, **kw: counted.append((a, kw)), kms=FakeKms()), store, counted
    crypto.reset_crypto_caches()


def test_import_seals_names_and_never_takes_another_units_receipt(cccd) -> None:
    service, store, _ = cccd
    assert service.import_csv(CSV.splitlines(True), imported_by="a", unit_id="ward-a", at=NOW).imported == 2
    assert "Nguyễn" not in str(store.records["TP-0001"]) and crypto.is_encrypted(
        store.records["TP-0001"]["dob"]
    )
    report = service.import_csv(CSV.splitlines(True), imported_by="b", unit_id="ward-b", at=NOW)
    assert report.imported == 0 and "thuộc hồ sơ của đơn vị khác" in report.errors[0].error
    assert service.officer_view(store.records["TP-0001"])["name"] == "Nguyễn *** An"


def test_lookup_answers_the_right_pair_and_limits_each_citizen(cccd) -> None:
    service, _, counted = cccd
    service.import_csv(CSV.splitlines(True), imported_by="a", unit_id="ward-a", at=NOW)

    def ask(receipt: str, dob: date, at: datetime = NOW) -> Any:
        return service.lookup(receipt, dob, oa_id="oa1", user_id="u1", unit_id="ward-a", event_key="e", at=at)

    assert ask("tp-0001", date(1990, 9, 5)).found
    assert ask("TP-0001", date(1990, 9, 6)).text == NOT_FOUND
    for _ in range(LOOKUPS_PER_WINDOW - 2):
        ask("TP-0002", date(1980, 1, 1))
    assert ask("TP-0002", date(1980, 1, 1)).limited
    assert ask("TP-0002", date(1980, 1, 1), NOW + timedelta(minutes=10)).found
    assert len(counted) == LOOKUPS_PER_WINDOW + 1

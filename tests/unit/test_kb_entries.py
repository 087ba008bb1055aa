"""Editors' overrides merged over the shipped entries."""

from __future__ import annotations

import json
from typing import Any

import pytest

from anninh.kb import EntryCache, KnowledgeBase
from anninh.kb.entries import KbEntryPatch, KbSource, file_entries, merge


def test_override_changes_only_the_fields_it_names() -> None:
    base = file_entries()
    merged = merge(base, [{"entry_id": "ho-chieu", "fields": {"fee": "Theo biểu phí mới."}}])
    assert merged["ho-chieu"].fee == "Theo biểu phí mới."
    assert merged["ho-chieu"].steps == base["ho-chieu"].steps
    assert base["ho-chieu"].fee != "Theo biểu phí mới."  # the shipped entry is untouched


def test_tombstone_hides_and_new_entries_need_a_title() -> None:
    merged = merge(
        file_entries(),
        [
            {"entry_id": "tach-ho", "deleted": True},
            {"entry_id": "moi-chua-xong", "fields": {"steps": ["a"]}},
            {"entry_id": "moi-hoan-chinh", "fields": {"title": "Thủ tục mới"}},
        ],
    )
    assert "tach-ho" not in merged and "moi-chua-xong" not in merged
    assert merged["moi-hoan-chinh"].title == "Thủ tục mới"


def test_every_entry_carries_its_legal_basis_date_and_source_links() -> None:
    for entry in file_entries().values():
        assert entry.legal_basis, entry.id
        assert entry.as_of >= "2026-01-01", entry.id
        assert entry.sources and all(s.url.startswith("https://") for s in entry.sources), entry.id


def test_no_entry_sends_citizens_to_a_thi_tran_or_a_district_police() -> None:
    for entry in file_entries().values():
        text = json.dumps(entry.model_dump(exclude={"review_notes"}), ensure_ascii=False).lower()
        assert "thị trấn" not in text and "công an quận" not in text and "công an huyện" not in text, entry.id


def test_2026_facts_the_legal_check_found() -> None:
    entries = file_entries()
    lai, doi = entries["cccd-cap-lai"], entries["cccd-cap-doi"]
    assert "hư hỏng không sử dụng được" in lai.summary and "70.000" in lai.fee
    assert "hỏng" not in doi.title and "cấp lại, không phải cấp đổi" in doi.summary
    assert any("02 ngày làm việc" in s for s in entries["mat-giay-to"].steps)
    assert "30 ngày" in entries["xac-nhan-thong-tin-cu-tru"].summary
    assert "chờ hướng dẫn" in entries["khai-bao-tam-vang"].summary
    assert "Công an cấp xã" in entries["dang-ky-xe"].where and "01/7/2025" in entries["dang-ky-xe"].where
    assert "Không bắt buộc" in entries["doi-can-cuoc-sau-sap-nhap"].summary
    assert "không phải Công an" in entries["khai-sinh"].summary
    assert {"doi-giay-phep-lai-xe", "ly-lich-tu-phap"} <= set(entries)
    # What could not be confirmed from the legal text is marked for an editor, not told to citizens.
    assert any("64/2025" in n for n in lai.review_notes) and "31/12/2026" not in lai.fee


class _Overrides:
    """An in-memory override store."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def overrides(self) -> list[dict[str, Any]]:
        return [{"entry_id": k, **v} for k, v in self.items.items()]

    def fields_of(self, entry_id: str) -> dict[str, Any]:
        item = self.items.get(entry_id) or {}
        return dict(item.get("fields") or {}) if not item.get("deleted") else {}

    def put(self, entry_id: str, fields: dict[str, Any], *, deleted: bool, editor: str, at_iso: str) -> None:
        self.items[entry_id] = {"fields": fields, "deleted": deleted, "updated_by": editor}


def test_an_editors_change_dates_the_entry_unless_the_editor_gives_the_date() -> None:
    kb = KnowledgeBase(_Overrides(), EntryCache())  # a cache of its own, not the container's
    changed = kb.save_override(
        "ho-chieu", KbEntryPatch(fee="Theo biểu phí mới."), "bientap", "2027-01-05T03:00:00Z"
    )
    assert changed.as_of == "2027-01-05"
    dated = kb.save_override(
        "ho-chieu",
        KbEntryPatch(as_of="2026-12-31", sources=[KbSource(title="Thông tư mới", url="https://vbpl.vn")]),
        "bientap",
        "2027-01-06T03:00:00Z",
    )
    assert kb.current_entries(max_age=0)["ho-chieu"].as_of == "2026-12-31"
    kb.delete_entry("ho-chieu", "bientap", "2027-01-07T03:00:00Z")
    assert "ho-chieu" not in kb.current_entries(max_age=0)
    assert dated.as_of == "2026-12-31" and dated.sources[0].title == "Thông tư mới"
    with pytest.raises(ValueError):
        KbEntryPatch(as_of="05/01/2027")
    with pytest.raises(ValueError):
        KbSource(title="Nguồn", url="javascript:alert(1)")

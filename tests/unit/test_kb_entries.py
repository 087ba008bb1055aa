"""Editors' overrides merged over the shipped entries."""

from __future__ import annotations

from anninh.kb.entries import file_entries, merge


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

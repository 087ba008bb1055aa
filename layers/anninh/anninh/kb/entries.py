"""Procedure knowledge-base entries: reviewable JSON files, with editors' overrides merged over them.

Each file under `entries/` is one entry (`<id>.json`). Editors change or add entries through the API;
those are stored as overrides (`kb.store`) and merged over the files, field by field (`merge`). An
override with `deleted: true` hides the entry. Pure: no I/O but reading the shipped files.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, field_validator

ENTRIES_DIR = Path(__file__).resolve().parent / "entries"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class KbSource(BaseModel):
    """Where a fact can be read: the legal text (or the official page) and a link to it."""

    title: str = Field(min_length=3, max_length=300)
    url: str = Field(default="", max_length=500)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("url: an http(s) address")
        return value


def _check_date(value: str | None) -> str | None:
    if value and not _DATE.match(value):
        raise ValueError("as_of: YYYY-MM-DD")
    return value


class KbEntry(BaseModel):
    id: str
    title: str
    summary: str = ""
    steps: list[str] = Field(default_factory=list)
    documents: list[str] = Field(default_factory=list)
    where: str = ""
    fee: str = ""
    time_limit: str = ""
    legal_basis: list[str] = Field(default_factory=list)
    link: str = ""
    keywords: list[str] = Field(default_factory=list)
    examples: list[str] = Field(default_factory=list)
    category: str = ""
    # When the entry was last checked against its legal texts (shown to citizens as "cập nhật ngày").
    as_of: str = ""
    # The texts (and official pages) the entry's facts were read from.
    sources: list[KbSource] = Field(default_factory=list)
    # Facts an editor could not confirm from the legal text yet: for staff, never shown to citizens.
    review_notes: list[str] = Field(default_factory=list)

    @field_validator("as_of")
    @classmethod
    def _as_of(cls, value: str) -> str:
        return _check_date(value) or ""

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("id: lower-case letters, digits and hyphens")
        return value


class KbEntryPatch(BaseModel):
    """What an editor may send: any subset of the entry's fields."""

    title: str | None = Field(default=None, min_length=3, max_length=200)
    summary: str | None = Field(default=None, max_length=1000)
    steps: list[str] | None = Field(default=None, max_length=20)
    documents: list[str] | None = Field(default=None, max_length=20)
    where: str | None = Field(default=None, max_length=500)
    fee: str | None = Field(default=None, max_length=500)
    time_limit: str | None = Field(default=None, max_length=500)
    legal_basis: list[str] | None = Field(default=None, max_length=20)
    link: str | None = Field(default=None, max_length=300)
    keywords: list[str] | None = Field(default=None, max_length=80)
    examples: list[str] | None = Field(default=None, max_length=80)
    category: str | None = Field(default=None, max_length=60)
    as_of: str | None = Field(default=None, max_length=10)
    sources: list[KbSource] | None = Field(default=None, max_length=20)
    review_notes: list[str] | None = Field(default=None, max_length=20)

    @field_validator("as_of")
    @classmethod
    def _as_of(cls, value: str | None) -> str | None:
        return _check_date(value)

    model_config = {"extra": "forbid"}


@cache
def file_entries() -> dict[str, KbEntry]:
    """The entries shipped in the repository (read once per container)."""
    out: dict[str, KbEntry] = {}
    for path in sorted(ENTRIES_DIR.glob("*.json")):
        entry = KbEntry.model_validate(json.loads(path.read_text(encoding="utf-8")))
        if entry.id != path.stem:
            raise ValueError(f"{path.name}: id {entry.id!r} does not match the file name")
        out[entry.id] = entry
    return out


def merge(base: dict[str, KbEntry], overrides: list[dict[str, Any]]) -> dict[str, KbEntry]:
    """Apply editors' overrides (field by field) to the file entries."""
    merged = dict(base)
    for item in overrides:
        entry_id = str(item.get("entry_id", ""))
        if not entry_id:
            continue
        if item.get("deleted"):
            merged.pop(entry_id, None)
            continue
        fields = dict(item.get("fields") or {})
        current = merged[entry_id].model_dump() if entry_id in merged else {"id": entry_id}
        current.update({k: v for k, v in fields.items() if v is not None})
        try:
            merged[entry_id] = KbEntry.model_validate(current)
        except ValueError:
            continue  # a new entry without a title yet: ignore until complete
    return merged


def valid_id(entry_id: str) -> bool:
    return bool(_ID.match(entry_id))


def apply_patch(
    entry_id: str, saved_fields: dict[str, Any], patch: KbEntryPatch, at_iso: str
) -> dict[str, Any]:
    """The override's fields after an editor's change (dated by the change unless the editor dates it)."""
    fields = dict(saved_fields)
    fields.update(patch.model_dump(exclude_none=True))
    if patch.as_of is None:
        fields["as_of"] = at_iso[:10]  # an editor's change is the entry's latest update
    return fields


def entry_with(entry_id: str, fields: dict[str, Any]) -> KbEntry:
    """The shipped entry (if any) with the override's fields; raises ValueError when incomplete."""
    base = file_entries().get(entry_id)
    return KbEntry.model_validate({**(base.model_dump() if base else {"id": entry_id}), **fields})

"""The retention purge on an in-memory store and S3 fake: old evidence goes, records and recent stay."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from anninh.retention import Retention

NOW = datetime(2026, 5, 10, 3, 0, tzinfo=UTC)


class _Store:
    """The conversations' and the cases' sweeps in one fake."""

    def __init__(self, media: list[dict[str, Any]]) -> None:
        self.media = media
        self.cutoffs: list[str] = []
        self.purged: list[tuple[str, list[str]]] = []

    def delete_messages_before(self, cutoff_iso: str, out_of_time: Callable[[], bool]) -> int:
        self.cutoffs.append(cutoff_iso)
        return 3

    def unpurged_media(self, out_of_time: Callable[[], bool]) -> Iterator[dict[str, Any]]:
        yield from self.media

    def mark_media_purged(self, pk: str, sk: str, key_fields: list[str], at_iso: str) -> None:
        self.purged.append((sk, key_fields))


class _S3:
    """Object versions per key; `list_object_versions` through a one-page paginator."""

    def __init__(self, keys: dict[str, int], broken: frozenset[str] = frozenset()) -> None:
        self.versions = dict(keys)
        self.broken = broken

    def get_paginator(self, name: str) -> Any:
        s3 = self

        class _Pages:
            def paginate(self, Bucket: str, Prefix: str) -> list[dict[str, Any]]:
                if Prefix in s3.broken:
                    raise RuntimeError("S3 is down")
                n = s3.versions.get(Prefix, 0)
                return [{"Versions": [{"Key": Prefix, "VersionId": str(i)} for i in range(n)]}]

        return _Pages()

    def delete_objects(self, Bucket: str, Delete: dict[str, Any]) -> None:
        for target in Delete["Objects"]:
            self.versions[target["Key"]] -= 1


def test_old_media_objects_go_every_version_and_the_record_is_marked() -> None:
    media = [
        {
            "PK": "CASE#1",
            "SK": "MEDIA#1#0",
            "s3_key": "cases/1/old.jpg",
            "stored_at": "2025-01-01T00:00:00.000Z",
        },
        {
            "PK": "CASE#2",
            "SK": "MEDIA#1#0",
            "s3_key": "cases/2/new.jpg",
            "stored_at": "2026-05-01T00:00:00.000Z",
        },
    ]
    store, s3 = _Store(media), _S3({"cases/1/old.jpg": 2, "cases/2/new.jpg": 1})
    report = Retention(store, store, s3, "media", retention_days=180).purge(NOW)
    assert store.cutoffs == ["2025-11-11T03:00:00.000Z"]
    assert (report.messages_deleted, report.media_purged, report.objects_deleted) == (3, 1, 2)
    assert s3.versions == {"cases/1/old.jpg": 0, "cases/2/new.jpg": 1}
    assert store.purged == [("MEDIA#1#0", ["s3_key"])] and report.complete


def test_a_failed_delete_keeps_the_record_for_the_next_night() -> None:
    media = [{"PK": "CASE#1", "SK": "MEDIA#1#0", "s3_key": "k", "stored_at": "2025-01-01T00:00:00.000Z"}]
    store = _Store(media)
    report = Retention(
        store, store, _S3({"k": 1}, broken=frozenset({"k"})), "media", retention_days=180
    ).purge(NOW)
    assert store.purged == [] and not report.complete and report.media_purged == 0

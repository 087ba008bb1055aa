"""The cases service of the officer API: what the routes under /tips and /inbox call.

It holds the workflow's ports (the case store, the registry, the outbox...) and answers with cases,
rows and inbox entries; routes only shape requests and responses (issue 14: routes never touch a
table or client). The rules live in `anninh.cases.plan` and `anninh.cases.inbox`, the requests in
`anninh.cases.store`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from anninh.cases import inbox, overdue, queries, workflow
from anninh.cases.model import Case
from anninh.cases.store import CaseStore
from anninh.principal import Principal
from anninh.registry import Registry
from anninh.settings import get_settings

MEDIA_LINK_SECONDS = 300
Presign = Callable[[str, str, int], str]  # (bucket, key, seconds) -> a GET link


@cache
def _s3_presigner() -> Any:
    """S3 client for presigned GETs: SigV4 (required for KMS-encrypted objects), regional endpoint."""
    settings = get_settings()
    return boto3.client(
        "s3",
        region_name=settings.region,
        config=Config(signature_version="s3v4", s3={"addressing_style": "virtual"}),
    )


def presigned_get(bucket: str, key: str, seconds: int) -> str:
    """A link that downloads the object for `seconds` (signing needs no request to S3)."""
    return str(
        _s3_presigner().generate_presigned_url(
            "get_object", ExpiresIn=seconds, Params={"Bucket": bucket, "Key": key}
        )
    )


def media_key(media: dict[str, Any]) -> str | None:
    """Where an attachment's bytes are in the media bucket (the media worker's field names)."""
    for name in ("s3_key", "object_key", "key", "s3Key"):
        value = media.get(name)
        if isinstance(value, str) and value:
            return value
    data = media.get("data")
    return media_key(data) if isinstance(data, dict) else None


class CaseService:
    def __init__(self, ports: workflow.Ports, presign: Presign = presigned_get) -> None:
        self.ports = ports
        self.presign = presign

    @property
    def store(self) -> CaseStore:
        return self.ports.store

    # --- one case -----------------------------------------------------------------------------

    def load(self, p: Principal, case_id: str, action: str, *, write: bool = False) -> workflow.Loaded:
        """The case if the caller may see it (change it, with `write`); CaseNotFound (audited) if not."""
        return workflow.load_for(p, case_id, self.ports, action, write=write)

    def current(self, case_id: str) -> tuple[Case, dict[str, Any]] | None:
        """The case as stored now (after a change), with its item (for the version)."""
        item = self.store.case_item(case_id)
        return (queries.case_from_item(item), item) if item is not None else None

    def case_item(self, case_id: str) -> dict[str, Any] | None:
        """The case item as stored (with its `version`), or None."""
        return queries.load_case_item(case_id, self.store)

    def children(self, case_id: str) -> dict[str, list[dict[str, Any]]]:
        return queries.case_children(case_id, self.store)

    def messages(self, case: Case, start_iso: str, limit: int = 300) -> list[dict[str, Any]]:
        """The citizen's conversation with the OA from `start_iso` on, oldest first."""
        return queries.conversation_messages(
            case.oa_id, case.user_id, start_iso, limit=limit, conversations=self.ports.conversations
        )

    def media_link(self, media: dict[str, Any]) -> str | None:
        """A short-lived download link of an attachment (None once it was purged or never stored)."""
        key = media_key(media)
        if not key or media.get("purged_at"):
            return None
        return self.presign(str(media.get("bucket") or get_settings().media_bucket), key, MEDIA_LINK_SECONDS)

    def update(
        self,
        p: Principal,
        case_id: str,
        changes: workflow.CaseChanges,
        *,
        expected_version: int | None = None,
    ) -> Case:
        return workflow.apply_changes(p, case_id, changes, self.ports, expected_version=expected_version)

    def forward(
        self,
        p: Principal,
        case_id: str,
        unit_id: str,
        info_unit_ids: list[str],
        note: str | None,
        *,
        expected_version: int | None = None,
    ) -> Case:
        return workflow.forward(
            p, case_id, unit_id, info_unit_ids, note, ports=self.ports, expected_version=expected_version
        )

    def merge(self, p: Principal, case_id: str, into: str) -> Case:
        return workflow.merge(p, case_id, into, self.ports)

    def reply(self, p: Principal, case_id: str, text: str, client_key: str) -> dict[str, Any]:
        return workflow.reply(p, case_id, text, client_key, self.ports)

    def add_note(self, p: Principal, case_id: str, text: str) -> dict[str, Any]:
        return workflow.add_note(p, case_id, text, self.ports)

    def reveal(self, p: Principal, case_id: str, reason: str) -> dict[str, Any]:
        return workflow.reveal(p, case_id, reason, self.ports)

    def duplicates(self, p: Principal, case: Case) -> list[Case]:
        """The similar cases intake noted (`extra.possible_duplicates`) that the caller sees, unmerged."""
        found = []
        for code in case.extra.get("possible_duplicates", []) or []:
            other = self.store.find_by_code(str(code))
            if other is None or other.case_id == case.case_id or other.merged_into:
                continue
            if p.can_see_unit(other.unit_id):
                found.append(other)
        return found

    # --- the tipster --------------------------------------------------------------------------

    def is_blocked(self, case: Case) -> bool:
        return self.store.is_blocked(case.oa_id, case.user_id)

    def block(self, p: Principal, case: Case, reason: str) -> None:
        self.store.block(case.oa_id, case.user_id, reason, p.username, self.ports.clock())

    def unblock(self, case: Case) -> None:
        self.store.unblock(case.oa_id, case.user_id)

    # --- lists --------------------------------------------------------------------------------

    def search(
        self,
        units: Iterable[str],
        filters: queries.InboxFilter,
        visible_units: Iterable[str],
        *,
        limit: int,
        cursor: str | None,
        decrypt: Callable[[str], str | None] | None = None,
    ) -> tuple[list[queries.InboxRow], str | None]:
        """One page of the unit inbox (newest first) across `units`, each already checked visible."""
        return queries.list_inbox(
            units, filters, visible_units, limit=limit, cursor=cursor, decrypt=decrypt, store=self.store
        )

    def open_entries(self, p: Principal, units: Iterable[str], now: datetime) -> list[inbox.Entry]:
        """The open cases of the units as inbox entries (idle time, overdue, unread for `p`)."""
        items = self.store.open_case_items(units, inbox.OPEN)
        seen = self.store.seen(p.username, [str(i.get("case_id", "")) for i in items])
        return inbox.classify(items, now=now, thresholds=overdue.thresholds(), seen=seen)

    def overdue(self, units: Iterable[str], now: datetime) -> dict[str, list[overdue.OverdueCase]]:
        """The units' overdue open cases, live."""
        return overdue.find_overdue(units, now, store=self.store)

    def digests(self, units: Iterable[str], day: str) -> list[dict[str, Any]]:
        """The stored overdue digests of the units for a day."""
        return overdue.load_digests(units, day, self.store)

    def opened(self, p: Principal, case_id: str, now: datetime) -> list[str]:
        """The officer opened the case (read, and on it now); who else is on it."""
        return inbox.mark_seen(p.username, case_id, now, self.store)


def case_service(registry: Registry) -> CaseService:
    """The service over the real store and outbox (the API's composition)."""
    return CaseService(workflow.Ports(registry=registry))

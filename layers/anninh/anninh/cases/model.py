"""The case model shared by intake (which opens cases) and the officer workflow (which moves them)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from anninh.model.case_terms import OUTCOME_LABELS_VI, STATUS_LABELS_VI, CaseStatus, Outcome

# The vocabulary lives in anninh.model (below `stats`, which counts outcomes); re-exported from here.
__all__ = ["OUTCOME_LABELS_VI", "STATUS_LABELS_VI", "Case", "CaseStatus", "Location", "Outcome"]


class Location(BaseModel):
    latitude: float
    longitude: float


class Case(BaseModel):
    """Stored at PK=CASE#<case_id>, SK=CASE (see anninh.keys)."""

    case_id: str
    code: str  # human code, e.g. TP-2605-0042
    oa_id: str
    unit_id: str  # unit currently responsible
    origin_unit_id: str  # unit of the OA it arrived on
    user_id: str  # Zalo user id of the tipster; never shown to officers (see pseudonym)
    pseudonym: str  # stable per citizen per unit, what officers see
    status: CaseStatus = "new"
    urgent: bool = False
    urgent_terms: list[str] = Field(default_factory=list)
    emergency_class: str | None = None  # violence | fire | medical | rescue (anninh.cases.emergency)
    valuable: bool = False
    outcome: Outcome | None = None
    assignee: str | None = None
    summary: str = ""  # first text of the tip (trimmed)
    texts: list[str] = Field(default_factory=list)
    location: Location | None = None
    address: str | None = None
    media_count: int = 0
    notice_id: str | None = None  # a wanted/missing notice the tip refers to
    info_units: list[str] = Field(default_factory=list)  # units with an info-only copy
    merged_into: str | None = None
    created_at: str  # ISO UTC
    updated_at: str
    last_activity_at: str
    first_response_at: str | None = None
    resolved_at: str | None = None
    routing: str = ""  # how the unit was chosen: "oa", "location", "address"
    extra: dict[str, Any] = Field(default_factory=dict)


# --- at rest ---------------------------------------------------------------------------------------
# Citizen content and the tipster's identity are sealed field by field in the case item (anninh.crypto):
# bound to the case and the field, so a ciphertext moved to another case or field does not open. The
# item also carries `user_hash` (keyed hash of the Zalo id) for lookups that must not need the id.
SEALED_CASE_FIELDS = ("summary", "address", "user_id")
SEALED_CASE_LISTS = ("texts",)


def case_context(case_id: str, name: str) -> str:
    return f"CASE#{case_id}|{name}"


def seal_case_fields(data: dict[str, Any]) -> dict[str, Any]:
    """A case item's data with citizen content sealed (idempotent: sealed values stay as they are)."""
    from anninh import crypto

    out = dict(data)
    case_id = str(out.get("case_id") or "")
    for name in SEALED_CASE_FIELDS:
        if isinstance(out.get(name), str) and out[name]:
            if name == "user_id":
                out["user_hash"] = crypto.user_hash(out[name])
            out[name] = crypto.encrypt_text(out[name], context=case_context(case_id, name))
    for name in SEALED_CASE_LISTS:
        if isinstance(out.get(name), list):
            out[name] = [seal_case_text(case_id, t) if isinstance(t, str) else t for t in out[name]]
    return out


def seal_case_text(case_id: str, text: str) -> Any:
    """One entry of `texts`, sealed (for appends)."""
    from anninh import crypto

    return crypto.encrypt_text(text, context=case_context(case_id, "texts"))


def open_case_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The item's data with sealed fields opened; a value that does not open reads as empty."""
    from anninh import crypto

    out = dict(data)
    case_id = str(out.get("case_id") or "")
    for name in SEALED_CASE_FIELDS:
        if crypto.is_encrypted(out.get(name)):
            out[name] = crypto.open_or_none(out[name], case_context(case_id, name)) or ""
    for name in SEALED_CASE_LISTS:
        if isinstance(out.get(name), list):
            opened = [
                crypto.open_or_none(t, case_context(case_id, name)) if crypto.is_encrypted(t) else t
                for t in out[name]
            ]
            out[name] = [t for t in opened if t is not None]
    return out

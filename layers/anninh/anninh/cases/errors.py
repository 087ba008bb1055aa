"""What the officer workflow refuses, as exceptions the API maps to 404/409/403/422 (no imports: the
API registers its handlers without loading the area)."""

from __future__ import annotations


class CaseNotFound(LookupError):
    """No such case, or one the caller may not see (the two are indistinguishable to callers)."""


class StaleCase(Exception):
    """The case changed since it was read (optimistic concurrency)."""


class TransitionNotAllowed(Exception):
    def __init__(self, current: str, target: str, reason: str = "") -> None:
        self.current, self.target, self.reason = current, target, reason
        super().__init__(f"{current} -> {target} {reason}".strip())


class NotPermitted(Exception):
    """The caller may see the case but not do this (info-only copy, role missing)."""


class InvalidChange(ValueError):
    """A well-formed request that makes no sense for this case (unknown unit, officer...)."""

    def __init__(self, message: str, field_name: str = "") -> None:
        self.field_name = field_name
        super().__init__(message)

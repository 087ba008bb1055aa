"""The vocabulary of a tip case: its statuses and outcomes, with the Vietnamese labels officers read.

`anninh.cases.model` (the `Case` record) re-exports these; they live here because `stats` (counter
names `outcome_<outcome>`, the tips CSV) needs them and `cases` counts through `stats`.
"""

from __future__ import annotations

from typing import Literal

CaseStatus = Literal["new", "in_review", "verified", "forwarded", "resolved", "rejected", "spam"]

STATUS_LABELS_VI: dict[str, str] = {
    "new": "Mới tiếp nhận",
    "in_review": "Đang xác minh",
    "verified": "Đã xác minh",
    "forwarded": "Đã chuyển đơn vị",
    "resolved": "Đã giải quyết",
    "rejected": "Không đủ cơ sở",
    "spam": "Tin rác",
}

Outcome = Literal["arrest", "prevented", "recovered_goods", "administrative_fine", "referred", "no_action"]

OUTCOME_LABELS_VI: dict[str, str] = {
    "arrest": "Bắt giữ đối tượng",
    "prevented": "Ngăn chặn kịp thời",
    "recovered_goods": "Thu hồi tài sản",
    "administrative_fine": "Xử phạt vi phạm hành chính",
    "referred": "Chuyển cơ quan có thẩm quyền",
    "no_action": "Không cần xử lý",
}

"""CCCD records: CSV import with a per-row error report, no-leak lookup, per-citizen rate limit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from anninh import aws, cccd, keys

NOW = datetime(2026, 5, 4, 3, 0, tzinfo=UTC)
CSV = """receipt_no,full_name,dob,status,ready_at,pickup_place
TP-0001,Nguyễn Văn An,05/09/1990,ready,02/05/2026,Công an phường Hiệp Tân
TP-0002,Trần Thị Bình,31/02/1990,processing,,
,Lê Văn Cường,01/01/1980,ready,,
TP-0003,Phạm Thị Dung,01/01/1985,lost in the mail,,
TP-0001,Nguyễn Văn An,05/09/1990,ready,,
tp-0004,Hoàng Văn Em,12/12/2001,Đang xử lý,2026-05-20,Công an quận Tân Phú
TP-0005,,12/12/2001,ready,,
"""


def _lookup(receipt: str, dob: date, user: str = "u1", at: datetime = NOW) -> cccd.LookupAnswer:
    return cccd.service().lookup(
        receipt,
        dob,
        oa_id="oa1",
        user_id=user,
        unit_id="tan-phu",
        event_key=f"ev-{receipt}-{dob}-{at.isoformat()}-{user}",
        at=at,
    )


@pytest.fixture
def stack(aws_stack: Any) -> Any:
    return aws_stack


@pytest.fixture
def imported(stack: Any) -> cccd.ImportReport:
    return cccd.service().import_csv(
        CSV.splitlines(keepends=True), imported_by="tanphu.canbo", unit_id="tan-phu", at=NOW
    )


def test_import_reports_each_bad_row_and_keeps_the_good_ones(imported: cccd.ImportReport) -> None:
    assert (imported.total, imported.imported, imported.rejected) == (7, 2, 5)
    errors = {e.line: e.error for e in imported.errors}
    assert "dob" in errors[3]  # 31/02 is not a date
    assert "thiếu số biên nhận" in errors[4]
    assert "trạng thái (status) không hợp lệ" in errors[5]
    assert "số biên nhận TP-0001 bị trùng" in errors[6]
    assert "thiếu họ tên" in errors[8]


def test_names_and_dates_of_birth_are_stored_encrypted(imported: cccd.ImportReport) -> None:
    item = aws.table().get_item(Key=keys.cccd_record("TP-0001"))["Item"]
    assert item["full_name"]["v"] == 2 and "Nguyễn" not in str(item)
    assert item["dob"]["v"] == 2 and "1990" not in str(item["dob"])


def test_header_must_be_the_agreed_one(stack: Any) -> None:
    with pytest.raises(cccd.CsvHeaderError):
        cccd.service().import_csv(
            ["receipt,name,dob\n", "x,y,z\n"], imported_by="a", unit_id="tan-phu", at=NOW
        )


def test_right_pair_states_status_date_and_place(imported: cccd.ImportReport) -> None:
    answer = _lookup("tp-0001", date(1990, 9, 5))
    assert answer.found
    assert "Đã có thẻ, mời nhận" in answer.text
    assert "02/05/2026" in answer.text and "Công an phường Hiệp Tân" in answer.text
    assert "Nguyễn *** An" in answer.text and "Văn" not in answer.text
    processing = _lookup("TP-0004", date(2001, 12, 12), user="u2")
    assert "Đang xử lý" in processing.text and "20/05/2026" in processing.text


def test_wrong_date_of_birth_reveals_nothing(imported: cccd.ImportReport) -> None:
    wrong_dob = _lookup("TP-0001", date(1990, 9, 6))
    unknown = _lookup("TP-9999", date(1990, 9, 5))
    assert not wrong_dob.found and not unknown.found
    assert wrong_dob.text == unknown.text == cccd.NOT_FOUND
    assert "Nguyễn" not in wrong_dob.text and "Hiệp Tân" not in wrong_dob.text


def test_lookups_are_rate_limited_per_citizen(imported: cccd.ImportReport) -> None:
    for i in range(cccd.LOOKUPS_PER_WINDOW):
        assert not _lookup(f"TP-10{i}", date(1990, 1, 1), at=NOW + timedelta(seconds=i)).limited
    blocked = _lookup("TP-0001", date(1990, 9, 5), at=NOW + timedelta(minutes=1))
    assert blocked.limited and not blocked.found
    assert "thử lại sau" in blocked.text and "Nguyễn" not in blocked.text
    # Another citizen is not affected; the same citizen may look up again in the next window.
    assert _lookup("TP-0001", date(1990, 9, 5), user="u9").found
    assert _lookup("TP-0001", date(1990, 9, 5), at=NOW + timedelta(minutes=11)).found


def test_lookups_are_counted_once_per_event(imported: cccd.ImportReport) -> None:
    for _ in range(2):  # the same event delivered twice
        cccd.service().lookup(
            "TP-0001",
            date(1990, 9, 5),
            oa_id="oa1",
            user_id="u5",
            unit_id="tan-phu",
            event_key="same-event",
            at=NOW,
        )
    assert _counted("cccd_lookups", "2026-05-04") == 1


def _counted(name: str, day: str) -> int:
    from boto3.dynamodb.conditions import Key

    items = aws.table().query(KeyConditionExpression=Key("PK").eq(f"STATS#{day}"))["Items"]
    return sum(int(i.get(name, 0)) for i in items)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CCCD TP-0001 05/09/1990", ("TP-0001", date(1990, 9, 5))),
        ("cccd 079123456789 5/9/1990", ("079123456789", date(1990, 9, 5))),
        ("Căn cước 079123456789 05-09-1990", ("079123456789", date(1990, 9, 5))),
        ("CCCD TP-0001 31/02/1990", None),
        ("CCCD TP-0001", None),
        ("cccd het han doi o dau", None),
    ],
)
def test_lookup_phrase(text: str, expected: tuple[str, date] | None) -> None:
    assert cccd.parse_lookup_phrase(text) == expected

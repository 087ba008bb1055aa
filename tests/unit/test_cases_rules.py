"""Tip rules: openers, lookups, urgent words (with and without diacritics), routing, human codes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from anninh.cases.codes import format_code, yymm
from anninh.cases.duplicates import similarity, suggestions
from anninh.cases.model import Case, Location
from anninh.cases.routing import by_address, by_location, distance_km, routable, route
from anninh.cases.rules import is_bot_command, lookup_code, tip_body, tip_opener
from anninh.cases.urgent import urgent_terms
from anninh.registry import Registry


@pytest.mark.parametrize(
    "text",
    [
        "báo tin có trộm",
        "Báo tin: có trộm",
        "BAO TIN co trom",
        "bao tin",
        "Tố giác đối tượng buôn bán",
        "to giac doi tuong",
        "TỐ GIÁC",
    ],
)
def test_tip_openers_any_case_with_or_without_diacritics(text: str) -> None:
    assert tip_opener(text) is not None


@pytest.mark.parametrize("text", ["tôi muốn báo tin", "báo tình hình", "bao tinh", "tố cáo", "menu"])
def test_not_openers(text: str) -> None:
    assert tip_opener(text) is None


def test_tip_body_drops_the_opening_phrase() -> None:
    assert tip_body("Báo tin: có nhóm đua xe") == "có nhóm đua xe"
    assert tip_body("tố giác buôn lậu") == "buôn lậu"


def test_lookup_codes() -> None:
    assert lookup_code("tra cứu TP-2611-0042") == "TP-2611-0042"
    assert lookup_code("Tra cuu tp-2611-0042.") == "TP-2611-0042"
    assert lookup_code("TRA CỨU  HT-2601-12345") == "HT-2601-12345"
    assert lookup_code("tra cứu abc") is None  # not a code: the bot's, not a tip lookup
    assert lookup_code("tra cứu") == ""
    assert lookup_code("cho tôi tra cứu TP-2611-0042") is None
    assert (
        is_bot_command("Menu") and is_bot_command("CCCD 079123 01/01/1990") and not is_bot_command("có cướp")
    )


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("Có người cầm súng ở đầu hẻm", "súng"),
        ("co nguoi cam sung o dau hem", "súng"),
        ("thanh niên rút dao đâm người", "dao"),
        ("rut dao dam nguoi", "đâm"),
        ("vừa bị cướp giật điện thoại", "cướp"),
        ("vua bi cuop giat dien thoai", "cướp"),
        ("nhà số 5 đang cháy lớn", "cháy"),
        ("chay nha o hem 5", "cháy"),
        ("có hỏa hoạn", "cháy"),
        ("hai nhóm đánh nhau trước quán", "đánh nhau"),
        ("hai nhom danh nhau", "đánh nhau"),
        ("nó dọa giết cả nhà tôi", "giết"),
        ("no doa giet ca nha", "giết"),
        ("con tôi bị bắt cóc", "bắt cóc"),
        ("con toi bi bat coc", "bắt cóc"),
        ("có dấu hiệu hiếp dâm", "hiếp dâm"),
        ("co dau hieu hiep dam", "hiếp dâm"),
        ("bán ma túy công khai", "ma túy"),
        ("ban ma tuy cong khai", "ma túy"),
        ("có ma tuý", "ma túy"),
        ("cứu tôi với", "cứu"),
        ("xảy ra ẩu đả", "đánh nhau"),
    ],
)
def test_urgent_words(text: str, term: str) -> None:
    assert term in urgent_terms(text)


@pytest.mark.parametrize(
    "text",
    [
        "con bị cháy nắng khi đi biển",
        "chay nang qua",
        "hàng khuyến mãi cháy hàng",
        "anh ấy hay chém gió",
        "đi dạo công viên",
        "di dao cong vien",
        "tôi muốn bổ sung hồ sơ",
        "bo sung ho so",
        "phường Hiệp Tân",
        "phuong Hiep Tan",
        "giết thời gian",
        "sung sướng quá",
        "đăng ký tạm trú",
        "dang ky tam tru",
        "",
        "đạo đức",
        "chạy bộ buổi sáng",
        "chay bo buoi sang",
        "khách bom hàng",
    ],
)
def test_no_false_alarm(text: str) -> None:
    assert urgent_terms(text) == []


def test_codes() -> None:
    assert format_code("tp", "2611", 42) == "TP-2611-0042"
    assert format_code("HT", "2601", 12345) == "HT-2601-12345"
    # Vietnam month: 31 Oct 2026 20:00 UTC is already November in Vietnam.
    assert yymm(datetime(2026, 10, 31, 20, 0, tzinfo=UTC)) == "2611"
    with pytest.raises(ValueError):
        format_code("TP", "2611", 0)


def test_location_routes_the_district_oa_to_the_nearest_ward(registry: Registry) -> None:
    found = by_location(registry, "tan-phu", 10.7747, 106.6293, max_km=3)
    assert found is not None and found.unit_id == "p-hiep-tan" and found.routing == "location"
    assert by_location(registry, "tan-phu", 21.0285, 105.8542, max_km=3) is None  # Hà Nội: too far
    assert by_location(registry, "p-hiep-tan", 10.7747, 106.6293, max_km=3) is None  # a ward has no wards
    assert distance_km((10.7745, 106.629), (10.7798, 106.637)) == pytest.approx(1.05, abs=0.1)


def test_address_mentions_route_diacritics_insensitively(registry: Registry) -> None:
    assert by_address(registry, "tan-phu", "hẻm 12 phường Phú Thạnh").unit_id == "p-phu-thanh"  # type: ignore[union-attr]
    assert by_address(registry, "tan-phu", "hem 12 phuong phu thanh").unit_id == "p-phu-thanh"  # type: ignore[union-attr]
    # "Phú Thọ Hòa" must not be taken for "Phú Thạnh" or anything shorter.
    assert by_address(registry, "tan-phu", "o p. Phu Tho Hoa").unit_id == "p-phu-tho-hoa"  # type: ignore[union-attr]
    assert by_address(registry, "tan-phu", "ở chợ gần nhà") is None


def test_route_prefers_location_then_address_then_oa(registry: Registry) -> None:
    assert route(registry, "tan-phu", (10.7747, 106.6293), ["phường Phú Thạnh"], 3).unit_id == "p-hiep-tan"
    assert route(registry, "tan-phu", None, ["phường Phú Thạnh"], 3).routing == "address"
    assert route(registry, "tan-phu", None, ["không rõ"], 3).unit_id == "tan-phu"
    assert route(registry, "p-hiep-tan", (10.79, 106.639), [], 3).unit_id == "p-hiep-tan"
    assert routable(registry, "tan-phu") and not routable(registry, "p-hiep-tan")


def _case(case_id: str, text: str, created: str, location: tuple[float, float] | None = None) -> Case:
    return Case(
        case_id=case_id,
        code=f"TP-2611-{case_id}",
        oa_id="oa",
        unit_id="tan-phu",
        origin_unit_id="tan-phu",
        user_id=f"u{case_id}",
        pseudonym="Công dân X",
        summary=text,
        texts=[text],
        created_at=created,
        updated_at=created,
        last_activity_at=created,
        location=Location(latitude=location[0], longitude=location[1]) if location else None,
    )


def test_duplicate_suggestions_by_place_or_words_within_hours() -> None:
    now = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
    new = _case(
        "9", "Báo tin: cháy lớn ở kho hàng đường Lũy Bán Bích", "2026-11-18T12:00:00.000Z", (10.7745, 106.629)
    )
    recent = [
        _case("1", "kho hang duong Luy Ban Bich dang chay lon", "2026-11-18T11:50:00.000Z"),  # same words
        _case("2", "có người tụ tập", "2026-11-18T11:40:00.000Z", (10.7750, 106.6292)),  # ~60 m away
        _case("3", "mất xe máy ở chợ", "2026-11-18T11:30:00.000Z", (10.80, 106.62)),  # elsewhere
        _case("4", "cháy lớn ở kho hàng đường Lũy Bán Bích", "2026-11-17T11:00:00.000Z"),  # a day old
    ]
    assert suggestions(new, recent, now) == ["TP-2611-1", "TP-2611-2"]
    assert similarity(recent[2], new) < 0.2

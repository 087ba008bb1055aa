"""Emergency detection: classes and numbers, spelling variants, reviewed harmless phrases, evaluation."""

from __future__ import annotations

import pytest

from anninh.cases.emergency import classify, words
from anninh.cases.emergency_eval import bench_emergency, load


@pytest.mark.parametrize(
    ("text", "cls", "number"),
    [
        ("cứu với có người đang đánh tôi", "violence", "113"),
        ("có người cầm dao đe dọa tôi ngay trước nhà", "violence", "113"),
        ("cuu voi co nguoi dang danh toi", "violence", "113"),
        ("cíu vs có ng đánh tui", "violence", "113"),
        ("CỨUUUU TÔI VỚI", "violence", "113"),
        ("cháy nhà ở hẻm 12, khói đen mù mịt", "fire", "114"),
        ("chay nha roi", "fire", "114"),
        ("có người ngất xỉu giữa đường", "medical", "115"),
        ("co nguoi bat tinh truoc nha", "medical", "115"),
        ("có trẻ em bị đuối nước ở kênh", "rescue", "112"),
        ("co nguoi chet duoi o song", "rescue", "112"),
        # A fire with a cry for help is still a fire: 114 first.
        ("cứu với cháy nhà", "fire", "114"),
    ],
)
def test_classes_and_numbers(text: str, cls: str, number: str) -> None:
    found = classify(text)
    assert found is not None and (found.cls, found.number) == (cls, number)


@pytest.mark.parametrize(
    "text",
    [
        "đánh răng xong mới ăn sáng",
        "cháy hàng rồi shop ơi",
        "cứu hộ giao thông đã xong, cảm ơn anh",
        "đi dạo công viên",
        "đi dao cong vien",  # unaccented "dao" may be "dạo": not a knife on its own
        "chạy xe máy không bằng lái bị phạt bao nhiêu",
        "chay xe may khong bang lai",  # "chay" unaccented is as likely "chạy" (ride) as "cháy"
        "bi lua dao qua mang",  # "lua" is "lừa" here, not "lửa"
        "hôm qua tôi bị cướp điện thoại, giờ làm lại sim thế nào",  # the past: a tip, not an emergency
        "nếu bị cướp thì nên làm gì",
        "số điện thoại cứu hỏa là số mấy",
        "chờ xíu nha",
        "chém gió vui thôi",
        "",
    ],
)
def test_reviewed_harmless_and_context(text: str) -> None:
    assert classify(text) is None


def test_teen_code_and_repeats_are_normalised() -> None:
    assert [w.accented for w in words("cíu e vs, cứuuuu")] == ["cứu", "em", "với", "cứu"]
    # "dưới nước" (in the water) is typed with marks that are not those of "đuối nước" (drowning).
    assert classify("con chó ở dưới nước") is None


def test_evaluation_set_meets_the_targets_loosely() -> None:
    rows = load()
    assert len(rows) >= 200 and {r["split"] for r in rows} == {"dev", "heldout"}
    result = bench_emergency()
    held = result["heldout"]
    # Targets are recall >= 0.95 and precision >= 0.90 per class; this guards against regressions.
    for cls in ("violence", "fire", "medical", "rescue"):
        assert held[cls]["support"] >= 10
        assert held[cls]["precision"] >= 0.85, (cls, held[cls])
        assert held[cls]["recall"] >= 0.85, (cls, held[cls])
    assert held["any_emergency"]["recall"] >= 0.9 and held["any_emergency"]["precision"] >= 0.9


def test_a_tip_with_fire_words_leads_with_114_even_when_not_happening_now() -> None:
    from anninh.cases.service import urgency

    past_fire = urgency(["báo tin hôm qua có cháy ở kho hàng đầu hẻm"])
    assert past_fire and past_fire.emergency is None and (past_fire.cls, past_fire.number) == ("fire", "114")
    knife = urgency(["báo tin hôm qua có người cầm dao ở chợ"])
    assert knife and knife.number == "113"
    assert not urgency(["báo tin có người lấn chiếm vỉa hè"])

"""Urgent-word detection for tips: weapons, robbery, fire, fighting, killing, kidnapping, rape, drugs.

Citizens type with or without diacritics. Matching every term diacritics-insensitively would flag
"đi dạo" (a stroll) as "dao" (knife), "bổ sung" as "súng" and "phường Hiệp Tân" as "hiếp". So:
- a term whose unaccented form is unambiguous matches in either form (`cướp` / `cuop`);
- an ambiguous term matches only as typed with diacritics (`súng`, `dao`, `cháy`, `đâm`, `hiếp`), and
  its unaccented use is caught by unambiguous phrases (`co sung`, `cam dao`, `chay nha`, ...);
- idioms that contain a term but mean something harmless are removed first (`cháy nắng`, `chém gió`).

The list is reviewed data: extend it here, with a unit test for every addition.
"""

from __future__ import annotations

import re

from anninh.text import fold, nfc, strip_diacritics

# (canonical term, phrases matched with diacritics, phrases matched unaccented)
TERMS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "súng",
        ("súng", "nổ súng", "xả súng"),
        (
            "co sung",
            "cam sung",
            "ban sung",
            "no sung",
            "xa sung",
            "sung ngan",
            "sung luc",
            "sung hoa cai",
            "sung truong",
            "chia sung",
            "giat sung",
        ),
    ),
    (
        "dao",
        ("dao", "mã tấu", "dao găm", "dao phay"),
        ("cam dao", "vac dao", "dao kiem", "dao phay", "dao gam", "ma tau", "rut dao", "chia dao"),
    ),
    ("chém", ("chém",), ("chem nguoi", "chem nhau", "bi chem", "dam chem")),
    ("đâm", ("đâm", "đâm chém"), ("dam nguoi", "dam chem", "bi dam", "dam nhau")),
    ("cướp", ("cướp", "cướp giật", "ăn cướp"), ("cuop",)),
    (
        "cháy",
        ("cháy", "hỏa hoạn", "hoả hoạn", "phóng hỏa", "phóng hoả"),
        ("chay nha", "hoa hoan", "boc chay", "chay lon", "dam chay", "phong hoa", "khoi lua"),
    ),
    ("nổ", ("phát nổ", "nổ lớn", "bom", "mìn", "lựu đạn"), ("phat no", "luu dan", "bom no")),
    (
        "đánh nhau",
        ("đánh nhau", "ẩu đả", "hỗn chiến", "hành hung", "đánh người"),
        ("danh nhau", "au da", "hon chien", "hanh hung", "danh nguoi", "danh hoi dong"),
    ),
    ("giết", ("giết", "giết người", "sát hại"), ("giet", "sat hai")),
    ("bắt cóc", ("bắt cóc",), ("bat coc",)),
    ("hiếp dâm", ("hiếp", "hiếp dâm", "xâm hại tình dục"), ("hiep dam", "xam hai tinh duc")),
    ("ma túy", ("ma túy", "ma tuý", "chất cấm", "thuốc lắc"), ("ma tuy", "chat cam", "thuoc lac")),
    ("cứu", ("cứu tôi", "cứu với", "cứu mạng"), ("cuu toi", "cuu voi", "cuu mang")),
    ("tự tử", ("tự tử", "tự sát", "nhảy cầu"), ("tu sat", "nhay cau")),
)

# Harmless idioms removed before matching (diacritics form, unaccented form).
IDIOMS: tuple[str, ...] = (
    "cháy nắng",
    "cháy hàng",
    "cháy túi",
    "cháy vé",
    "cháy máy",
    "chém gió",
    "bom hàng",
    "nổ banh xác",
    "giết thời gian",
    "bổ sung",
    "sung sướng",
    "cướp lời",
    "cướp sóng",
    "phường hiệp tân",
    "hiệp tân",
    "chay nang",
    "chay hang",
    "chay tui",
    "chay ve",
    "chem gio",
    "bom hang",
    "giet thoi gian",
)

_WORD = re.compile(r"[^\w]+", re.UNICODE)


def _accented(text: str) -> str:
    return " " + " ".join(_WORD.sub(" ", nfc(text).lower()).split()) + " "


def _remove_idioms(padded: str, folded_form: bool) -> str:
    for idiom in IDIOMS:
        form = fold(idiom) if folded_form else idiom
        padded = padded.replace(f" {form} ", " ")
    return padded


def urgent_terms(text: str | None) -> list[str]:
    """The canonical urgent terms found in a text (empty when none)."""
    if not text:
        return []
    # Phrases with diacritics only count when the citizen typed diacritics: in an unaccented text
    # "dao" is as likely "dạo" (a stroll) as "dao" (a knife).
    has_marks = strip_diacritics(nfc(text)) != nfc(text)
    accented = _remove_idioms(_accented(text), folded_form=False) if has_marks else ""
    folded = _remove_idioms(" " + fold(text) + " ", folded_form=True)
    found: list[str] = []
    for canonical, with_marks, unaccented in TERMS:
        if any(f" {p} " in accented for p in with_marks) or any(f" {p} " in folded for p in unaccented):
            found.append(canonical)
    return found

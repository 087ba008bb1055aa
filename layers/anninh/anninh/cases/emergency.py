"""Emergency detection on every citizen text: is someone in danger right now, and which number first?

Classes and the number the citizen is given first:
- `violence` (violence and crime in progress: attack, weapons, robbery, break-in, kidnapping) -> 113
- `fire` (fire, explosion, gas leak) -> 114
- `medical` (unconscious, not breathing, heavy bleeding, poisoning, injured in an accident) -> 115
- `rescue` (drowning, trapped, collapse, landslide, someone about to jump) -> 112

How a text is read:
1. Normalised: NFC, lower case, letters repeated three or more times collapsed ("cứuuuu"), common
   teen-code and typos mapped to words ("ng" -> "người", "vs" -> "với", "cíu" -> "cứu", "ko" -> "không").
2. Reviewed harmless phrases are removed ("đánh răng", "cháy hàng", "cứu hộ giao thông", "chém gió").
3. Patterns are word sequences. A pattern word matches a text word typed with the same diacritics, or
   typed without any diacritics ("cuu voi" matches "cứu với", but "dưới nước" does not match "đuối
   nước"). A pattern marked strict (leading "!") matches only as typed with diacritics, for words that
   are ambiguous unaccented ("dao" knife / "dạo" stroll, "cháy" fire / "chạy" run). "…" in a pattern
   allows up to three words in between ("cầm … dao" matches "cầm theo một con dao").
4. Context: a text about the past ("hôm qua", "tuần trước") or a question about a procedure or a number
   ("thủ tục", "số điện thoại", "nếu") is not an emergency unless it also carries a cue of the present
   ("đang", "ngay", "cứu với", "gấp").
Distress alone ("cứu với", "sos") is an emergency of class `violence` (113) unless another class is
named. The lists are reviewed data: extend them with a labelled line in tests/data/emergency_eval.jsonl.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from anninh.text import nfc, strip_diacritics

NUMBERS = {"violence": "113", "fire": "114", "medical": "115", "rescue": "112"}
CLASS_LABELS_VI = {
    "violence": "Bạo lực, tội phạm",
    "fire": "Cháy, nổ",
    "medical": "Cấp cứu y tế",
    "rescue": "Cứu nạn, cứu hộ",
}
# When a text names several classes, the first here wins: a fire or a drowning needs the rescuers
# first; an injury caused by an attack is a police matter first (113 sends the ambulance too).
_PRIORITY = ("fire", "rescue", "violence", "medical")

# Teen-code, abbreviations and frequent typos -> the word meant (applied to whole words).
TEEN_CODE: dict[str, str] = {
    "ng": "người",
    "ngừi": "người",
    "nguoj": "người",
    "ngươi": "người",
    "nguời": "người",
    "ngưoi": "người",
    "mn": "mọi người",
    "vs": "với",
    "zới": "với",
    "zoi": "với",
    "dới": "với",
    "cíu": "cứu",
    "ciu": "cứu",
    "kíu": "cứu",
    "kiu": "cứu",
    "cúu": "cứu",
    "kứu": "cứu",
    "cưu": "cứu",
    "cuw": "cứu",
    "ko": "không",
    "k": "không",
    "hok": "không",
    "hong": "không",
    "kh": "không",
    "dc": "được",
    "đc": "được",
    "j": "gì",
    "nc": "nước",
    "e": "em",
    "t": "tôi",
    "tui": "tôi",
    "mk": "mình",
    "mik": "mình",
    "bik": "biết",
    "h": "giờ",
    "bh": "bây giờ",
    "bjo": "bây giờ",
    "bi": "bị",
    "bj": "bị",
    "ck": "chồng",
    "vk": "vợ",
    "wa": "quá",
    "qa": "quá",
    "oi": "ơi",
    "ui": "ơi",
    "nhah": "nhanh",
    "lẹ": "nhanh",
    "chays": "cháy",
    "chý": "cháy",
    "cháyyy": "cháy",
    "đâmm": "đâm",
    "chít": "chết",
    "chek": "chết",
    "sỉu": "xỉu",
    "đúi": "đuối",
    "cuop": "cướp",
    "cuớp": "cướp",
    "cứop": "cướp",
    "giêt": "giết",
    "giếc": "giết",
    "hix": "",
    "huhu": "",
    "hic": "",
    "ạ": "",
}

# Reviewed harmless phrases, removed before matching (each with a labelled line in the eval set).
HARMLESS: tuple[str, ...] = (
    "đánh răng",
    "đánh giá",
    "đánh thức",
    "đánh máy",
    "đánh dấu",
    "đánh bóng",
    "đánh số",
    "đánh vần",
    "đánh cầu lông",
    "đánh cờ",
    "đánh bài",
    "đánh thuế",
    "đánh rơi",
    "đánh lửa",
    "đánh bắt",
    "đánh đàn",
    "đánh trống",
    "đánh son",
    "đánh phấn",
    "đánh golf",
    "đánh tennis",
    "đánh bóng bàn",
    "cháy hàng",
    "cháy túi",
    "cháy nắng",
    "cháy vé",
    "cháy máy",
    "cháy phố",
    "cháy da",
    "cơm cháy",
    "cháy khét",
    "bị cháy đồ ăn",
    "chém gió",
    "chém giá",
    "chém khách",
    "cứu hộ giao thông",
    "cứu hộ xe",
    "xe cứu hộ",
    "cứu trợ",
    "cướp lời",
    "cướp sóng",
    "cướp biển",
    "bom hàng",
    "nổ quá",
    "súng nước",
    "súng đồ chơi",
    "pháo hoa",
    "giết thời gian",
    "đâm đơn",
    "đâm ra",
    "dao động",
    "chết máy",
    "chết cười",
    "chết đói",
    "mệt chết",
    "chết tiệt",
    "ngất ngây",
    "khói bụi",
    "bật lửa",
    "chữa cháy",
    "chống cháy",
    "phòng cháy",
    "bảo hiểm tai nạn",
    "chìm đắm",
    "kẹt xe",
    "sập nguồn",
    "sập web",
    "sập mạng",
    "hiệp tân",
    "bổ sung",
)

# Cues: the text is about the past / a question about procedure or numbers; cues of the present.
PAST_CUES = (
    "hôm qua",
    "hôm trước",
    "hôm kia",
    "tuần trước",
    "tháng trước",
    "năm ngoái",
    "năm trước",
    "tối qua",
    "đêm qua",
    "sáng qua",
    "chiều qua",
    "mấy hôm trước",
    "lâu rồi",
    "đã xong",
    "đã dập tắt",
    "đã được dập tắt",
    "đã được cứu",
    "đã ổn",
    "đã qua khỏi",
    "hồi trước",
)
QUESTION_CUES = (
    "thủ tục",
    "số điện thoại",
    "sđt",
    "số nào",
    "số mấy",
    "hotline",
    "nếu … thì",
    "khi … thì",
    "trường hợp",
    "làm lại",
    "cấp lại",
    "hồ sơ",
    "giấy tờ",
    "xin hỏi",
    "cho hỏi",
    "cho em hỏi",
    "cho tôi hỏi",
    "quy định",
    "bị phạt",
    "mức phạt",
    "xử phạt",
    "phòng chống",
    "kỹ năng",
    "tuyên truyền",
    "diễn tập",
    "phim",
    "game",
)
PRESENT_CUES = (
    "đang",
    "ngay",
    "bây giờ",
    "lúc này",
    "gấp",
    "nhanh",
    "khẩn cấp",
    "cứu với",
    "cứu tôi",
    "cứu em",
    "cứu",
    "sos",
    "help",
    "trước nhà",
)

# Distress without a named class: an emergency, 113 first unless a class is named.
DISTRESS: tuple[str, ...] = (
    "cứu với",
    "cứu tôi",
    "cứu em",
    "cứu mình",
    "cứu con",
    "cứu chị",
    "cứu anh",
    "cứu mẹ",
    "cứu bố",
    "cứu mạng",
    "cứu người",
    "cứu giúp",
    "cứu cứu",
    "sos",
    "help me",
)

PATTERNS: dict[str, tuple[str, ...]] = {
    "violence": (
        "đánh tôi",
        "đánh em",
        "đánh mình",
        "đánh người",
        "đánh nhau",
        "đánh vợ",
        "đánh chồng",
        "đánh con",
        "đánh mẹ",
        "đánh bố",
        "đánh chị",
        "đánh anh",
        "đánh bạn",
        "đánh hội đồng",
        "đang đánh",
        "bị đánh",
        "đánh đập",
        "đánh chết",
        "hành hung",
        "ẩu đả",
        "hỗn chiến",
        "xô xát",
        "bạo hành",
        "đâm người",
        "đâm chém",
        "đâm tôi",
        "đâm em",
        "đâm nhau",
        "bị đâm",
        "chém người",
        "chém nhau",
        "chém tôi",
        "bị chém",
        "!chém",
        "!đâm",
        "cầm … dao",
        "vác … dao",
        "rút … dao",
        "kề … dao",
        "dao găm",
        "dao phay",
        "mã tấu",
        "hung khí",
        "!dao",
        "!súng",
        "cầm … súng",
        "có súng",
        "nổ súng",
        "bắn người",
        "bắn súng",
        "xả súng",
        "chĩa súng",
        "cướp",
        "cướp giật",
        "giật túi",
        "giật điện thoại",
        "giật dây chuyền",
        "giật đồ",
        "trộm đang",
        "đang trộm",
        "đột nhập",
        "bắt cóc",
        "giết",
        "sát hại",
        "đe dọa",
        "đe doạ",
        "dọa giết",
        "doạ giết",
        "hiếp dâm",
        "!hiếp",
        "xâm hại",
        "sàm sỡ",
        "khống chế",
        "nhốt tôi",
        "bị nhốt",
        "đập phá",
        "ném đá",
        "tạt axit",
        "siết cổ",
        "bóp cổ",
        "truy sát",
        "có người chết",
        "xác chết",
        "tử vong",
        "đuổi đánh",
        "rượt đuổi",
        "rượt chém",
        "cầm hung khí",
        "cầm … gậy",
        "cầm … mã tấu",
        "cầm … kiếm",
        "cầm … búa",
        "cầm … rựa",
        "cầm … kéo",
        "đập cửa",
        "phá cửa",
        "dọa … đánh",
        "doạ … đánh",
        "dọa … chém",
        "doạ … chém",
        "dọa … đâm",
        "doạ … đâm",
        "đòi đánh",
        "đòi chém",
    ),
    "fire": (
        "!cháy",
        "cháy nhà",
        "cháy lớn",
        "!cháy to",
        "!cháy rồi",
        "đang !cháy",
        "có cháy ở",
        "có cháy tại",
        "có đám cháy",
        "bị cháy",
        "bốc cháy",
        "vụ cháy",
        "đám cháy",
        "!cháy xe",
        "!cháy chợ",
        "cháy quán",
        "cháy kho",
        "cháy rừng",
        "cháy nổ",
        "hỏa hoạn",
        "hoả hoạn",
        "phóng hỏa",
        "phóng hoả",
        "đốt nhà",
        "!lửa",
        "bốc lửa",
        "!khói",
        "khói đen",
        "bốc khói",
        "ngạt khói",
        "phát nổ",
        "!nổ lớn",
        "nổ tung",
        "tiếng !nổ",
        "nổ bình",
        "nổ gas",
        "nổ ga",
        "xì gas",
        "xì ga",
        "rò rỉ gas",
        "rò gas",
        "rò rỉ khí",
        "chập điện",
        "!bom",
        "!mìn",
        "lựu đạn",
    ),
    "medical": (
        "ngất",
        "ngất xỉu",
        "!xỉu",
        "người xỉu",
        "bị xỉu",
        "lên cơn",
        "bất tỉnh",
        "đột quỵ",
        "co giật",
        "không thở",
        "khó thở",
        "tắt thở",
        "ngừng thở",
        "ngừng tim",
        "đau tim",
        "nhồi máu",
        "đau ngực",
        "!chảy máu",
        "chảy nhiều máu",
        "mất máu",
        "máu chảy",
        "bị thương",
        "thương nặng",
        "gãy chân",
        "gãy tay",
        "ngộ độc",
        "uống thuốc sâu",
        "thuốc sâu",
        "uống nhầm",
        "thuốc chuột",
        "hóc",
        "nghẹn",
        "uống thuốc ngủ",
        "sốc phản vệ",
        "cấp cứu",
        "xe cấp cứu",
        "hôn mê",
        "điện giật",
        "rắn cắn",
        "chuyển dạ",
        "vỡ ối",
        "sắp sinh",
        "tai nạn",
        "đụng xe",
        "tông xe",
        "bị tông",
        "té ngã",
        "ngã cầu thang",
        "không tỉnh",
        "không cử động",
        "sùi bọt mép",
        "trụy tim",
    ),
    "rescue": (
        "đuối nước",
        "chết đuối",
        "chết chìm",
        "!chìm",
        "rơi xuống sông",
        "rơi xuống kênh",
        "rơi xuống hồ",
        "rơi xuống nước",
        "rơi xuống giếng",
        "rơi xuống ao",
        "rơi xuống mương",
        "rơi xuống hố",
        "rơi xuống biển",
        "rơi xuống vực",
        "rơi xuống bể",
        "té xuống ao",
        "té xuống mương",
        "ngã xuống ao",
        "ngã xuống mương",
        "lọt xuống ao",
        "rơi xuống cống",
        "té xuống sông",
        "té xuống kênh",
        "té xuống hồ",
        "té xuống nước",
        "té xuống giếng",
        "ngã xuống sông",
        "ngã xuống hồ",
        "ngã xuống kênh",
        "ngã xuống nước",
        "ngã xuống giếng",
        "lọt xuống",
        "nước cuốn",
        "cuốn trôi",
        "lũ cuốn",
        "mắc kẹt",
        "bị kẹt",
        "kẹt trong",
        "kẹt thang máy",
        "thang máy … !kẹt",
        "sập nhà",
        "sập tường",
        "sập cầu",
        "nhà sập",
        "tường sập",
        "bị sập",
        "đổ sập",
        "sạt lở",
        "vùi lấp",
        "nhảy cầu",
        "nhảy sông",
        "nhảy lầu",
        "định nhảy",
        "đòi nhảy",
        "muốn nhảy",
        "nhảy xuống",
        "tự tử",
        "tự sát",
        "cứu hộ",
        "cứu nạn",
        "trôi sông",
        "chìm xuồng",
        "lật thuyền",
        "lật ghe",
        "lật xuồng",
        "lật đò",
        "đò … !lật",
        "ghe … !lật",
        "thuyền … !lật",
        "xuồng … !lật",
        "tàu … !lật",
        "lật thuyền",
        "lat do",
        "lat ghe",
    ),
}

_SPLIT = re.compile(r"[^\w']+", re.UNICODE)
_REPEAT = re.compile(r"(\w)\1{2,}", re.UNICODE)


@dataclass(frozen=True)
class Word:
    accented: str
    folded: str
    marked: bool
    typed_marked: bool = False  # the citizen typed tone/vowel marks in this word (not teen-code, not "đ")


@dataclass(frozen=True)
class Emergency:
    cls: str  # violence | fire | medical | rescue
    number: str
    terms: tuple[str, ...]  # the phrases that matched, as written in the lists

    @property
    def label(self) -> str:
        return CLASS_LABELS_VI[self.cls]


def _fold_word(word: str) -> str:
    return strip_diacritics(word).lower()


def _collapse(word: str) -> str:
    def one(match: re.Match[str]) -> str:
        ch, start = match.group(1), match.start()
        before = _fold_word(word[start - 1]) if start else ""
        if before == _fold_word(ch):  # "cứuuuu" -> "cứu"
            return ch
        return ch * 2 if ch in "uo" else ch  # "cuuuu" -> "cuu", "voiiii" -> "voi"

    return _REPEAT.sub(one, word)


def words(text: str) -> list[Word]:
    """The text as normalised words (teen-code expanded, repeats collapsed)."""
    out: list[Word] = []
    for piece in _SPLIT.split(nfc(text).lower()):
        raw = _collapse(piece.strip("'"))
        if not raw:
            continue
        expanded = TEEN_CODE.get(raw, raw)
        plain = raw.replace("đ", "d")
        typed_marked = _fold_word(plain) != plain
        for w in expanded.split():
            folded = _fold_word(w)
            out.append(Word(w, folded, folded != w, typed_marked))
    return out


@dataclass(frozen=True)
class _Pattern:
    text: str
    parts: tuple[
        tuple[tuple[str, str, bool], ...], ...
    ]  # groups separated by gaps; (accented, folded, strict)


def _compile(pattern: str) -> _Pattern:
    groups: list[tuple[tuple[str, str, bool], ...]] = []
    for chunk in pattern.split("…"):
        group = []
        for token in chunk.split():
            strict = token.startswith("!")
            word = nfc(token.lstrip("!")).lower()
            group.append((word, _fold_word(word), strict))
        if group:
            groups.append(tuple(group))
    return _Pattern(pattern.replace("!", ""), tuple(groups))


@cache
def _compiled() -> dict[str, tuple[_Pattern, ...]]:
    table = {cls: tuple(_compile(p) for p in pats) for cls, pats in PATTERNS.items()}
    table["distress"] = tuple(_compile(p) for p in DISTRESS)
    table["harmless"] = tuple(_compile(p) for p in HARMLESS)
    table["past"] = tuple(_compile(p) for p in PAST_CUES)
    table["question"] = tuple(_compile(p) for p in QUESTION_CUES)
    table["present"] = tuple(_compile(p) for p in PRESENT_CUES)
    return table


def _word_matches(w: Word, accented: str, folded: str, strict: bool, text_marked: bool) -> bool:
    if w.folded != folded:
        return False
    if w.accented == accented:
        return not strict or text_marked
    return not strict and not w.marked


def _match_group(
    ws: list[Word], start: int, group: tuple[tuple[str, str, bool], ...], text_marked: bool
) -> bool:
    if start + len(group) > len(ws):
        return False
    return all(_word_matches(ws[start + k], a, f, s, text_marked) for k, (a, f, s) in enumerate(group))


def _find(ws: list[Word], pattern: _Pattern, text_marked: bool) -> list[tuple[int, int]]:
    """Spans (start, end) where the pattern matches."""
    spans: list[tuple[int, int]] = []
    first, rest = pattern.parts[0], pattern.parts[1:]
    for i in range(len(ws)):
        if not _match_group(ws, i, first, text_marked):
            continue
        pos, ok = i + len(first), True
        for group in rest:
            for gap in range(4):
                if _match_group(ws, pos + gap, group, text_marked):
                    pos += gap + len(group)
                    break
            else:
                ok = False
                break
        if ok:
            spans.append((i, pos))
    return spans


def _strict_marked(ws: list[Word]) -> bool:
    """Whether the citizen typed tone or vowel marks (a bare "đ" does not count: "đi dao" is ambiguous)."""
    return any(w.typed_marked for w in ws)


def classify(text: str | None) -> Emergency | None:
    """The emergency a citizen's text describes, or None."""
    if not text or not text.strip():
        return None
    ws = words(text)
    if not ws:
        return None
    table = _compiled()
    marked = _strict_marked(ws)
    # Harmless phrases out first (their words can no longer match anything).
    for pattern in table["harmless"]:
        for start, end in _find(ws, pattern, marked):
            for k in range(start, end):
                ws[k] = Word("", "", False)
    scores: dict[str, list[str]] = {}
    for cls in NUMBERS:
        for pattern in table[cls]:
            if _find(ws, pattern, marked):
                scores.setdefault(cls, []).append(pattern.text)
    distress = [p.text for p in table["distress"] if _find(ws, p, marked)]
    if not scores and not distress:
        return None
    present = any(_find(ws, p, marked) for p in table["present"])
    if not present and (
        any(_find(ws, p, marked) for p in table["past"])
        or any(_find(ws, p, marked) for p in table["question"])
    ):
        return None
    if not scores:
        return Emergency("violence", NUMBERS["violence"], tuple(distress))
    best = next(c for c in _PRIORITY if c in scores)
    return Emergency(best, NUMBERS[best], tuple(scores[best] + distress))

"""Ranking citizen questions against the procedure knowledge base.

Pure Python, built once per set of entries (a few milliseconds) and then well under a millisecond per
question. The pipeline:

1. `normalise`: `anninh.text.fold` (NFC, no diacritics, đ->d, so tone placement differences vanish),
   repeated letters collapsed (typing slips), final `y` -> `i` (ký/kí), then synonyms and
   abbreviations rewritten to one concept token each (CCCD, CMND, căn cước -> `cancuoc`;
   hộ khẩu -> `thuongtru`; KT3 -> `tamtru`; cà vẹt -> `dangkixe`...).
2. Terms: content words and adjacent pairs; unknown words are corrected to a known word within edit
   distance 1 (2 for long words) to tolerate typos.
3. Score in [0, 1]: how much of the question (IDF-weighted) the entry explains, blended with the
   character-trigram similarity to the entry's closest example question. Off-topic questions share
   few weighted terms with any entry and fall below `THRESHOLD`.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from anninh.kb.entries import KbEntry
from anninh.text import fold

# Calibrated on the dev split of tests/data/faq_eval.jsonl (see tests/unit/test_kb_matcher.py).
THRESHOLD = 0.50

# Folded phrase -> concept. Longer phrases first (applied in order of decreasing length).
SYNONYMS: dict[str, str] = {
    # identity card
    "can cuoc cong dan": "cancuoc",
    "the can cuoc": "cancuoc",
    "can cuoc": "cancuoc",
    "cccd": "cancuoc",
    "cang cuoc": "cancuoc",
    "can cuo": "cancuoc",
    "cancuoc": "cancuoc",
    "ccd": "cancuoc",
    "chung minh nhan dan": "cancuoc cmnd",
    "chung minh thu": "cancuoc cmnd",
    "chung minh": "cancuoc cmnd",
    "cmnd": "cancuoc cmnd",
    "cmt": "cancuoc cmnd",
    # electronic identification
    "dinh danh dien tu": "vneid",
    "dinh danh": "vneid",
    "vn eid": "vneid",
    "v neid": "vneid",
    "vneid": "vneid",
    "vn id": "vneid",
    "vnid": "vneid",
    # residence
    "so ho khau": "thuongtru",
    "ho khau": "thuongtru",
    "thuong tru": "thuongtru",
    "thuong chu": "thuongtru",
    "nhap khau": "nhap thuongtru",
    "chuyen khau": "chuyen thuongtru",
    "cat khau": "xoa thuongtru",
    "tach khau": "tach thuongtru",
    "so tam tru": "tamtru",
    "tam tru": "tamtru",
    "tam chu": "tamtru",
    "kt3": "tamtru",
    "kt4": "tamtru",
    "kt 3": "tamtru",
    "kt 4": "tamtru",
    "tam vang": "tamvang",
    "vang nha": "tamvang",
    "vang mat": "tamvang",
    "luu tru": "luutru",
    "ct07": "ct07",
    "ct 07": "ct07",
    "ct01": "ct01",
    "ct 01": "ct01",
    "cu tru": "cutru",
    "cu chu": "cutru",
    "ngu nho": "ngu luutru",
    "o nho": "o luutru",
    # passport
    "ho chieu": "hochieu",
    "passport": "hochieu",
    "pass port": "hochieu",
    "pasport": "hochieu",
    "ho chiu": "hochieu",
    # vehicles
    "ca vet": "dangkixe",
    "cavet": "dangkixe",
    "ca vat": "dangkixe",
    "giay dang ki xe": "dangkixe",
    "dang ki xe": "dangkixe",
    "giay xe": "dangkixe",
    "bien so": "bienso",
    "bang lai": "banglai",
    "giay phep lai xe": "banglai",
    "gplx": "banglai",
    # security / conditional business
    "an ninh trat tu": "antt",
    "anh ninh trat tu": "antt",
    "antt": "antt",
    "to giac": "togiac",
    "to cao": "togiac",
    "trinh bao": "trinhbao",
    "lua dao": "luadao",
    "ma tuy": "matuy",
    "danh bac": "cobac",
    "co bac": "cobac",
    "cho vay nang lai": "nanglai",
    "nang lai": "nanglai",
    "tin dung den": "nanglai",
    # common spellings
    "sdt": "dienthoai",
    "so dien thoai": "dienthoai",
    "dien thoai": "dienthoai",
    "dt": "dienthoai",
    "ntn": "the nao",
    "bn": "bao nhieu",
    "bnhieu": "bao nhieu",
    "kinh doanh": "kinhdoanh",
    "nuoc ngoai": "nuocngoai",
}

# Words that carry no topic (pronouns, particles, chat slang); they never count for or against an entry.
_STOP_TEXT = """
a ad ah ak alo anh ba ban bo bot c cac cai cha chi cho chua co cua cung d da dang day de den dk dc do
duoc e em gi giup ha hay hoi hon huong i ik j ja k ka khi khong ko kg hok kh la lau luon m ma minh mot
muon n nao nay ne neu nen nhe nhieu nho nhu nhung oi ong ra roi s sao se t ta tai thi thoi tim toi va vay
voi vs xin xem y u uh um biet oke ok ntn phai gium dum
"""
STOPWORDS = frozenset(_STOP_TEXT.split())
# Question words kept out of the weights but not out of the trigram similarity.
_QUESTION_TEXT = "o dau bao lau nhieu tien lam sao the nao can gi nhung hom nay qua mai gio"
QUESTION_WORDS = frozenset(_QUESTION_TEXT.split())
# Generic question phrases ("how long", "how much", "where"): they say nothing about the topic.
QUESTION_PHRASES = re.compile(
    r"\b(mat|ton|het|trong)? ?(bao lau|may ngay|bao nhieu ngay|bao nhieu tien|bao nhieu|may tien)\b"
    r"|\b(giay to gi|can nhung gi|can gi|o dau|lam sao|nhu the nao|the nao|ra sao)\b"
)
# Concept tokens are strong evidence of a topic (off-topic questions almost never contain them).
CONCEPTS = frozenset(w for v in SYNONYMS.values() for w in v.split()) - {
    "dienthoai",
    "banglai",
    "the",
    "nao",
    "bao",
    "nhieu",
    "nhap",
    "chuyen",
    "xoa",
    "tach",
    "ngu",
    "o",
}
CONCEPT_BOOST = 1.6
SINGLE_WORD_FACTOR = 0.5

_WORD = re.compile(r"[a-z0-9]+")
_REPEATS = re.compile(r"(?<!c)(?!cc?d\b)([abd-nprstvxy])\1+")
_FINAL_Y = re.compile(r"\b([bcdghklmnpqrstvx]+)y\b")


def _phrase_pattern() -> re.Pattern[str]:
    # One alternation, longest phrases first, so a single pass rewrites every synonym.
    ordered = sorted(SYNONYMS, key=len, reverse=True)
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(k) for k in ordered) + r")(?![a-z0-9])")


_SYNONYM_PATTERN = _phrase_pattern()


def normalise(text: str) -> str:
    """Folded text with synonyms rewritten to concepts: 'Làm CCCD ở đâu?' -> 'lam cancuoc o dau'."""
    folded = fold(text).replace("/", " ").replace(".", " ").replace("-", " ")
    # "tamm", "kyy": folded Vietnamese repeats no letter except u and o (lưu, xoong); CCCD is kept.
    folded = _REPEATS.sub(r"\1", folded)
    folded = _FINAL_Y.sub(lambda m: m.group(1) + "i", folded)
    folded = _SYNONYM_PATTERN.sub(lambda m: SYNONYMS[m.group(0)], folded)
    return " ".join(folded.split())


def _words(normalised: str) -> list[str]:
    return _WORD.findall(normalised)


def _content(words: Iterable[str]) -> list[str]:
    return [w for w in words if w not in STOPWORDS and w not in QUESTION_WORDS]


def _terms(words: list[str]) -> tuple[list[str], list[str]]:
    content = _content(_WORD.findall(QUESTION_PHRASES.sub(" ", " ".join(words))))
    pairs = [f"{a} {b}" for a, b in itertools.pairwise(content)]
    return content, pairs


def _trigrams(normalised: str) -> Counter[str]:
    s = f" {normalised} "
    return Counter(s[i : i + 3] for i in range(len(s) - 2))


def _edit_distance_at_most(a: str, b: str, limit: int) -> bool:
    """Damerau-Levenshtein (optimal string alignment) distance <= limit, with an early exit."""
    if abs(len(a) - len(b)) > limit:
        return False
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return False
        prev2, prev = prev, cur
    return prev[-1] <= limit


MAX_CACHED_CORRECTIONS = 20_000


def _deletions(word: str, depth: int) -> set[str]:
    """The word and every string made by deleting up to `depth` of its letters."""
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


@dataclass
class _Doc:
    entry_id: str
    terms: set[str]
    examples: list[tuple[Counter[str], float]] = field(default_factory=list)


class Matcher:
    """An index over a set of entries; `match(q)` ranks them with a score in [0, 1]."""

    def __init__(self, entries: Mapping[str, KbEntry], threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self.docs: list[_Doc] = []
        df: Counter[str] = Counter()
        for entry in entries.values():
            texts = [entry.title, *entry.keywords, *entry.examples]
            doc = _Doc(entry.id, set())
            for t in texts:
                norm = normalise(t)
                uni, pairs = _terms(_words(norm))
                doc.terms.update(uni)
                doc.terms.update(pairs)
                grams = _trigrams(norm)
                doc.examples.append((grams, math.sqrt(sum(v * v for v in grams.values()))))
            df.update(doc.terms)
            self.docs.append(doc)
        n = max(len(self.docs), 1)
        self.idf = {t: math.log(1 + n / c) * (CONCEPT_BOOST if t in CONCEPTS else 1.0) for t, c in df.items()}
        # A word no entry uses: weighed like a moderately rare word, so that noise in a real question
        # does not sink it while an off-topic question (all unknown words) still scores low.
        self.unknown_idf = math.log(1 + n / 2)
        self.vocabulary = {t for t in df if " " not in t}
        # Deletion neighbourhoods (SymSpell): two words within edit distance k share a variant made by
        # deleting at most k letters from each, so candidates are found by lookup, not by a scan.
        self._deletes: dict[str, set[str]] = defaultdict(set)
        for word in self.vocabulary:
            if len(word) >= 4:
                for variant in _deletions(word, 2 if len(word) >= 6 else 1):
                    self._deletes[variant].add(word)
        self._corrections: dict[str, str | None] = {}
        # Inverted index of example trigrams: gram -> [(example index, count)].
        self._grams: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self._example_norms: list[float] = []
        self._example_doc: list[int] = []
        for d, doc in enumerate(self.docs):
            for ex, ex_norm in doc.examples:
                e = len(self._example_norms)
                self._example_norms.append(ex_norm or 1.0)
                self._example_doc.append(d)
                for g, c in ex.items():
                    self._grams[g].append((e, c))

    def _correct(self, word: str) -> str | None:
        """A known word within edit distance 1 (2 for words of 8+ letters), or None.

        Vietnamese syllables are short: words under 5 letters are not corrected ("hang" is not "han").
        """
        if word in self._corrections:
            return self._corrections[word]
        found: str | None = None
        if len(word) >= 5 and not word.isdigit():
            limit = 2 if len(word) >= 8 else 1
            candidates: set[str] = set()
            for variant in _deletions(word, limit):
                candidates.update(self._deletes.get(variant, ()))
            for distance in range(1, limit + 1):
                close = sorted(c for c in candidates if _edit_distance_at_most(word, c, distance))
                if close:
                    found = close[0]
                    break
        if len(self._corrections) > MAX_CACHED_CORRECTIONS:
            self._corrections.clear()
        self._corrections[word] = found
        return found

    def match(self, question: str, limit: int = 5) -> list[tuple[str, float]]:
        """Entries ranked best first, as (entry_id, score); scores in [0, 1], rounded to 4 places."""
        norm = normalise(question[:500])
        words = _words(norm)
        fixed = [
            w if w in self.vocabulary or w in STOPWORDS or w in QUESTION_WORDS else (self._correct(w) or w)
            for w in words
        ]
        uni, pairs = _terms(fixed)
        if not uni:
            return []
        uni_w = [self.idf.get(t, self.unknown_idf) for t in uni]
        pair_w = [self.idf.get(t, self.unknown_idf) for t in pairs]
        grams = _trigrams(norm)
        q_norm = math.sqrt(sum(v * v for v in grams.values())) or 1.0
        dots: dict[int, float] = defaultdict(float)
        postings = self._grams
        for g, c in grams.items():
            for e, n in postings.get(g, ()):
                dots[e] += c * n
        best_by_doc: dict[int, float] = {}
        norms, example_doc = self._example_norms, self._example_doc
        for e, dot in dots.items():
            d = example_doc[e]
            sim = dot / (q_norm * norms[e])
            if sim > best_by_doc.get(d, 0.0):
                best_by_doc[d] = sim
        # One ordinary word ("tên", "mất", "đổi") is too little to answer on; one concept ("KT3",
        # "hộ chiếu") is a clear topic.
        vague = SINGLE_WORD_FACTOR if len(set(uni)) == 1 and uni[0] not in CONCEPTS else 1.0
        scored: list[tuple[str, float]] = []
        for d, doc in enumerate(self.docs):
            uni_hit = sum(w for t, w in zip(uni, uni_w, strict=True) if t in doc.terms) / sum(uni_w)
            pair_hit = (
                sum(w for t, w in zip(pairs, pair_w, strict=True) if t in doc.terms) / sum(pair_w)
                if pairs
                else uni_hit
            )
            best = best_by_doc.get(d, 0.0)
            score = (0.55 * uni_hit + 0.2 * pair_hit + 0.25 * best) * vague
            scored.append((doc.entry_id, round(min(score, 1.0), 4)))
        scored.sort(key=lambda s: -s[1])
        return scored[:limit]

    def best(self, question: str) -> tuple[str, float] | None:
        """The top entry when its score clears the threshold, else None (hand the question over)."""
        ranked = self.match(question, limit=1)
        if ranked and ranked[0][1] >= self.threshold:
            return ranked[0]
        return None

"""The citizen phrases and button payloads the bot understands (any case, with or without diacritics)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from anninh.cccd import parse_lookup_phrase
from anninh.text import fold


@dataclass
class Command:
    name: str
    text: str = ""
    args: dict[str, Any] = field(default_factory=dict)


GREETINGS = frozenset(
    {
        "hi",
        "hello",
        "helo",
        "alo",
        "a lo",
        "chao",
        "xin chao",
        "chao ban",
        "chao ad",
        "chao admin",
        "hey",
        "start",
        "bat dau",
        "chao cong an",
        "kinh chao",
        "xin chao cong an",
        "hi ad",
        "chao anh",
        "chao chi",
    }
)
THANKS = frozenset(
    {
        "cam on",
        "cam on ban",
        "cam on ad",
        "cam on nhieu",
        "cam on a",
        "cam on nhe",
        "thank",
        "thanks",
        "thank you",
        "tks",
        "thanks ad",
        "ok",
        "oke",
        "okay",
        "ok cam on",
        "da",
        "da vang",
        "vang",
        "da cam on",
        "da em cam on",
        "em cam on",
        "toi cam on",
        "xin cam on",
        "ok a",
        "da ok",
        "hieu roi",
        "da hieu",
    }
)
# "What is the police's number?", also asked inside a sentence.
HOTLINE_ASKS = (
    "duong day nong",
    "so dien thoai cong an",
    "sdt cong an",
    "so dien thoai phuong",
    "sdt phuong",
    "so dien thoai truc ban",
    "so dt cong an",
    "so hotline",
)
MENU = frozenset(
    {"menu", "memu", "meni", "danh muc", "tien ich", "tro giup", "help", "huong dan", "tuy chon"}
)
# Small talk and off-topic chatter: a short polite answer and the menu, never an officer's work item.
SMALL_TALK = (
    "ban ten gi",
    "ban la ai",
    "ban la nguoi",
    "ban la bot",
    "la bot a",
    "an com chua",
    "an trua chua",
    "khoe khong",
    "co khoe",
    "dang lam gi",
    "lam gi do",
    "buon qua",
    "chan qua",
    "vui qua",
    "met qua",
    "hat cho",
    "hat di",
    "ke chuyen",
    "dep trai",
    "xinh qua",
    "xinh the",
    "yeu em",
    "yeu anh",
    "lam quen",
    "lam ban",
    "co nguoi yeu",
    "thoi tiet",
    "troi mua",
    "bong da",
    "xo so",
    "gia vang",
    "chung khoan",
    "co ai khong",
    "co ai o do",
    "ai do",
    "haha",
    "hihi",
    "hehe",
    "kkk",
    "test",
    "thu thoi",
    "nhan nham",
    "gui nham",
    "nham",
)
# Words of the police's work: a message with one of these is a real question, whatever else it says.
DOMAIN_WORDS = (
    "cong an",
    "thu tuc",
    "giay",
    "dang ky",
    "cu tru",
    "tam tru",
    "thuong tru",
    "tam vang",
    "can cuoc",
    "cccd",
    "cmnd",
    "ho khau",
    "ho chieu",
    "xe",
    "bang lai",
    "phat",
    "to giac",
    "bao tin",
    "trom",
    "cuop",
    "lua dao",
    "mat ",
    "ho so",
    "dinh danh",
    "vneid",
    "xac nhan",
    "luu tru",
    "so thu tu",
    "truy na",
    "an ninh",
    "trat tu",
    "phuong",
    "can bo",
    "lam viec",
    "don ",
    "le phi",
    "khai bao",
    "giay phep",
    "ma tuy",
    "danh nhau",
    "gay roi",
    "tieng on",
    "nhau",
)


def is_small_talk(text: str) -> bool:
    """Chatter or an off-topic message (not a question for the police, not a tip)."""
    t = fold(text)
    padded = f" {t} "
    if any(f" {w.strip()} " in padded or (w.endswith(" ") and f" {w}" in padded) for w in DOMAIN_WORDS):
        return False
    if not t.strip() or not any(ch.isalpha() for ch in t):
        return True  # emoji, "???", "..."
    if any(f" {p} " in padded for p in SMALL_TALK):
        return True
    return len(t.split()) <= 2 and "?" not in text


_RECEIPT_AND_DOB = re.compile(r"^\s*(\S{4,40})\s+(\d{1,2}[/.-]\d{1,2}[/.-]\d{4})\s*$")


def _starts(t: str, *phrases: str) -> str | None:
    """The rest of folded text `t` after the first matching leading phrase, or None."""
    for p in phrases:
        if t == p or t.startswith(p + " "):
            return t[len(p) :].strip()
    return None


_HASH = re.compile(r"#\s*([A-Za-z0-9][A-Za-z0-9:-]*)")


def parse(text: str, state: dict[str, Any]) -> Command:
    raw = text.strip()
    # Button payloads carry ids after '#' (folding would drop the '#'): "lấy số #tp-cccd 05/05/2026".
    hashed = _HASH.search(raw)
    ref = hashed.group(1).lower() if hashed else None
    t = fold(_HASH.sub(" ", raw, count=1)) if hashed else fold(raw)
    if not t:
        return Command("empty")
    return (
        _parse_small_talk(t)
        or _parse_cccd(raw, t, state)
        or _parse_queue(raw, t, ref, state)
        or _parse_services(raw, t, ref)
        or Command("faq", raw)
    )


_CCCD_HELP = frozenset(
    {
        "cccd",
        "can cuoc",
        "tra cuu cccd",
        "tra cuu can cuoc",
        "tra cccd",
        "tra cuu ho so cccd",
        "tra cuu ket qua cccd",
    }
)
_QUEUE_MINE = frozenset({"so cua toi", "xem so cua toi", "so thu tu cua toi", "xem so thu tu"})
_NOTICES = (
    "truy na",
    "thong bao truy na",
    "tim nguoi than",
    "nguoi mat tich",
    "tim nguoi",
    "truy na tim nguoi than",
)


def _parse_small_talk(t: str) -> Command | None:
    bare = t.rstrip(" .!")
    if t in MENU or bare in MENU:
        return Command("menu")
    if bare in GREETINGS:
        return Command("greeting")
    if bare in THANKS:
        return Command("thanks")
    return None


def _parse_cccd(raw: str, t: str, state: dict[str, Any]) -> Command | None:
    lookup = parse_lookup_phrase(raw)
    if lookup:
        return Command("cccd_lookup", raw, {"receipt_no": lookup[0], "dob": lookup[1]})
    if state.get("flow") == "cccd":
        m = _RECEIPT_AND_DOB.match(t)
        if m:
            again = parse_lookup_phrase(f"CCCD {m.group(1)} {m.group(2)}")
            if again:
                return Command("cccd_lookup", raw, {"receipt_no": again[0], "dob": again[1]})
    if t in _CCCD_HELP:
        return Command("cccd_help")
    return None


def _parse_queue(raw: str, t: str, ref: str | None, state: dict[str, Any]) -> Command | None:
    rest = _starts(t, "huy so thu tu", "huy so", "huy lich")
    if rest is not None:
        return Command("queue_cancel", raw, {"ref": ref or rest})
    if t in _QUEUE_MINE:
        return Command("queue_mine")
    rest = _starts(t, "lay so thu tu", "lay so", "boc so", "so thu tu", "dang ky lay so", "xin so")
    if rest is not None:
        return Command("queue", raw, {"place_id": ref, "day": rest})
    if state.get("flow") == "queue":
        return Command("queue_day", raw, {"day": t})
    return None


def _parse_services(raw: str, t: str, ref: str | None) -> Command | None:
    if _starts(t, "xem them thong bao", "xem them truy na") is not None:
        return Command("notices", raw, {"more": True})
    if _starts(t, *_NOTICES) is not None:
        return Command("notices", raw, {"more": False})
    if any(ask in t for ask in HOTLINE_ASKS) or _starts(t, "hotline", "goi cong an") is not None:
        return Command("hotline")
    if _starts(t, "tin an ninh", "tin tuc an ninh", "tin tuc", "ban tin an ninh") is not None:
        return Command("news")
    if _starts(t, "gap can bo", "noi chuyen voi can bo", "gap nguoi that", "chuyen can bo") is not None:
        return Command("human")
    rest = _starts(t, "thu tuc hanh chinh", "thu tuc", "tthc")
    if rest is not None and (rest == "" or ref):
        return Command("procedure", raw, {"entry_id": ref})
    return None

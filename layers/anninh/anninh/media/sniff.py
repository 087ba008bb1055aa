"""Content-type sniffing from magic bytes: what a file is, not what its URL or headers claim."""

from __future__ import annotations

from dataclasses import dataclass

SNIFF_BYTES = 512


@dataclass(frozen=True)
class Sniffed:
    mime: str
    family: str  # image, video, audio, document, archive, text, html, executable, unknown
    extension: str


def _s(mime: str, family: str, extension: str) -> Sniffed:
    return Sniffed(mime, family, extension)


UNKNOWN = _s("application/octet-stream", "unknown", "bin")
_EXECUTABLE = _s("application/x-executable", "executable", "bin")
_MP3 = _s("audio/mpeg", "audio", "mp3")

# Leading magic bytes, tried in order before the container formats (RIFF, ISO media).
_IMAGE_MAGIC: tuple[tuple[bytes, Sniffed], ...] = (
    (b"\xff\xd8\xff", _s("image/jpeg", "image", "jpg")),
    (b"\x89PNG\r\n\x1a\n", _s("image/png", "image", "png")),
    (b"GIF87a", _s("image/gif", "image", "gif")),
    (b"GIF89a", _s("image/gif", "image", "gif")),
)
# The RIFF container: its form type at bytes 8-12.
_RIFF_FORMS: dict[bytes, Sniffed] = {
    b"WEBP": _s("image/webp", "image", "webp"),
    b"WAVE": _s("audio/wav", "audio", "wav"),
    b"AVI ": _s("video/x-msvideo", "video", "avi"),
}
# ISO base media ("ftyp" at bytes 4-8): the major brand at bytes 8-12; anything else is mp4.
_ISO_BRANDS: dict[bytes, Sniffed] = {
    **dict.fromkeys((b"heic", b"heix", b"mif1", b"msf1", b"hevc"), _s("image/heic", "image", "heic")),
    **dict.fromkeys((b"M4A ", b"M4B "), _s("audio/mp4", "audio", "m4a")),
    b"qt  ": _s("video/quicktime", "video", "mov"),
}
_3GPP = _s("video/3gpp", "video", "3gp")
_MP4 = _s("video/mp4", "video", "mp4")
# Leading magic bytes after the containers; "#!AMR" before the "#!" of a script.
_OTHER_MAGIC: tuple[tuple[bytes, Sniffed], ...] = (
    (b"\x1a\x45\xdf\xa3", _s("video/webm", "video", "webm")),
    (b"#!AMR", _s("audio/amr", "audio", "amr")),
    (b"ID3", _MP3),
    (b"\xff\xfb", _MP3),
    (b"\xff\xf3", _MP3),
    (b"\xff\xf2", _MP3),
    (b"OggS", _s("audio/ogg", "audio", "ogg")),
    (b"%PDF-", _s("application/pdf", "document", "pdf")),
    (b"PK\x03\x04", _s("application/zip", "document", "zip")),  # docx, xlsx, pptx are zip containers
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", _s("application/x-ole-storage", "document", "doc")),
    (b"Rar!\x1a\x07", _s("application/vnd.rar", "archive", "rar")),
    (b"7z\xbc\xaf\x27\x1c", _s("application/x-7z-compressed", "archive", "7z")),
    *((magic, _EXECUTABLE) for magic in (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!")),
)
_HTML_STARTS = (
    b"<!doctype",
    b"<html",
    b"<head",
    b"<body",
    b"<script",
    b"<?xml",
    b"<svg",
    b"<iframe",
    b"<!--",
    b"<meta",
    b"<a ",
    b"<div",
    b"<p>",
)


def _by_magic(h: bytes, table: tuple[tuple[bytes, Sniffed], ...]) -> Sniffed | None:
    return next((found for magic, found in table if h.startswith(magic)), None)


def _container(h: bytes) -> Sniffed | None:
    if h.startswith(b"RIFF") and h[8:12] in _RIFF_FORMS:
        return _RIFF_FORMS[h[8:12]]
    if h[4:8] == b"ftyp":
        brand = h[8:12]
        return _ISO_BRANDS.get(brand) or (_3GPP if brand.startswith(b"3g") else _MP4)
    return None


def _decoded(h: bytes) -> str:
    """The head as UTF-8 ("" if it is not), allowing a multi-byte character cut at the boundary."""
    for cut in range(4):
        try:
            return (h[:-cut] if cut else h).decode("utf-8")
        except UnicodeDecodeError:
            continue
    return ""


def _markup_or_text(h: bytes) -> Sniffed:
    if h.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith(_HTML_STARTS):
        return _s("text/html", "html", "html")
    decoded = _decoded(h)
    if decoded and "<" not in decoded and all(c.isprintable() or c in "\r\n\t" for c in decoded):
        return _s("text/plain", "text", "txt")
    return UNKNOWN


def sniff(head: bytes) -> Sniffed:
    h = head[:SNIFF_BYTES]
    return _by_magic(h, _IMAGE_MAGIC) or _container(h) or _by_magic(h, _OTHER_MAGIC) or _markup_or_text(h)


# What each Zalo attachment type may turn out to be, and how large it may be.
ALLOWED_FAMILIES: dict[str, frozenset[str]] = {
    "image": frozenset({"image"}),
    "gif": frozenset({"image"}),
    "video": frozenset({"video"}),
    "audio": frozenset({"audio"}),
    "file": frozenset({"document", "archive", "image", "video", "audio", "text"}),
}
MB = 1024 * 1024
SIZE_CAPS: dict[str, int] = {
    "image": 10 * MB,
    "gif": 10 * MB,
    "video": 100 * MB,
    "file": 25 * MB,
    "audio": 10 * MB,
}

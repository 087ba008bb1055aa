"""Content-type sniffing from magic bytes: what a file is, not what its URL or headers claim."""

from __future__ import annotations

from dataclasses import dataclass

SNIFF_BYTES = 512


@dataclass(frozen=True)
class Sniffed:
    mime: str
    family: str  # image, video, audio, document, archive, text, html, executable, unknown
    extension: str


def sniff(head: bytes) -> Sniffed:
    h = head[:SNIFF_BYTES]
    if h.startswith(b"\xff\xd8\xff"):
        return Sniffed("image/jpeg", "image", "jpg")
    if h.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("image/png", "image", "png")
    if h.startswith((b"GIF87a", b"GIF89a")):
        return Sniffed("image/gif", "image", "gif")
    if h.startswith(b"RIFF") and h[8:12] == b"WEBP":
        return Sniffed("image/webp", "image", "webp")
    if h.startswith(b"RIFF") and h[8:12] == b"WAVE":
        return Sniffed("audio/wav", "audio", "wav")
    if h.startswith(b"RIFF") and h[8:12] == b"AVI ":
        return Sniffed("video/x-msvideo", "video", "avi")
    if h[4:8] == b"ftyp":
        brand = h[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
            return Sniffed("image/heic", "image", "heic")
        if brand in (b"M4A ", b"M4B "):
            return Sniffed("audio/mp4", "audio", "m4a")
        if brand == b"qt  ":
            return Sniffed("video/quicktime", "video", "mov")
        if brand.startswith(b"3g"):
            return Sniffed("video/3gpp", "video", "3gp")
        return Sniffed("video/mp4", "video", "mp4")
    if h.startswith(b"\x1a\x45\xdf\xa3"):
        return Sniffed("video/webm", "video", "webm")
    if h.startswith(b"#!AMR"):
        return Sniffed("audio/amr", "audio", "amr")
    if h.startswith(b"ID3") or h[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return Sniffed("audio/mpeg", "audio", "mp3")
    if h.startswith(b"OggS"):
        return Sniffed("audio/ogg", "audio", "ogg")
    if h.startswith(b"%PDF-"):
        return Sniffed("application/pdf", "document", "pdf")
    if h.startswith(b"PK\x03\x04"):
        return Sniffed("application/zip", "document", "zip")  # docx, xlsx, pptx are zip containers
    if h.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return Sniffed("application/x-ole-storage", "document", "doc")
    if h.startswith(b"Rar!\x1a\x07"):
        return Sniffed("application/vnd.rar", "archive", "rar")
    if h.startswith(b"7z\xbc\xaf\x27\x1c"):
        return Sniffed("application/x-7z-compressed", "archive", "7z")
    if h.startswith((b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!")):
        return Sniffed("application/x-executable", "executable", "bin")
    text = h.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(
        (
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
    ):
        return Sniffed("text/html", "html", "html")
    try:
        decoded = h.decode("utf-8")
    except UnicodeDecodeError:
        decoded = ""
        # a multi-byte character cut at the sniff boundary is still text
        for cut in range(1, 4):
            try:
                decoded = h[:-cut].decode("utf-8")
                break
            except UnicodeDecodeError:
                continue
    if decoded and "<" not in decoded and all(c.isprintable() or c in "\r\n\t" for c in decoded):
        return Sniffed("text/plain", "text", "txt")
    return Sniffed("application/octet-stream", "unknown", "bin")


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

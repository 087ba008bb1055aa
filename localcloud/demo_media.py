"""Tiny, valid demo media made in code (no binary files in the repo): what the fake Zalo CDN serves.

The JPEG is a baseline, solid-colour image written by a minimal encoder (DC coefficients only, all
AC coefficients zero), which every decoder reads.
"""

from __future__ import annotations

import hashlib
import struct
import zlib

# Standard luminance DC Huffman table (JPEG spec, table K.3): code lengths and the categories 0-11.
_DC_BITS = (0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)
_DC_VALUES = tuple(range(12))


def _huffman_codes(bits: tuple[int, ...], values: tuple[int, ...]) -> dict[int, tuple[int, int]]:
    codes: dict[int, tuple[int, int]] = {}
    code, k = 0, 0
    for length, count in enumerate(bits, start=1):
        for _ in range(count):
            codes[values[k]] = (code, length)
            code += 1
            k += 1
        code <<= 1
    return codes


class _BitWriter:
    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def write(self, value: int, length: int) -> None:
        for i in range(length - 1, -1, -1):
            self.acc = (self.acc << 1) | ((value >> i) & 1)
            self.n += 1
            if self.n == 8:
                self.out.append(self.acc)
                if self.acc == 0xFF:
                    self.out.append(0x00)  # byte stuffing
                self.acc, self.n = 0, 0

    def flush(self) -> bytes:
        while self.n:
            self.write(1, 1)  # pad with 1 bits
        return bytes(self.out)


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">HH", marker, len(payload) + 2) + payload


def jpeg(width: int = 16, height: int = 16, rgb: tuple[int, int, int] = (192, 57, 43)) -> bytes:
    """A solid-colour baseline JPEG (YCbCr, no subsampling, quantisation table of ones)."""
    r, g, b = rgb
    ycc = (
        0.299 * r + 0.587 * g + 0.114 * b,
        128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
        128 + 0.5 * r - 0.418688 * g - 0.081312 * b,
    )
    dc_values = [round(8 * (c - 128)) for c in ycc]  # DC of a flat 8x8 block, quantiser 1
    dc_codes = _huffman_codes(_DC_BITS, _DC_VALUES)
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    writer = _BitWriter()
    previous = [0, 0, 0]
    for _ in range(blocks):
        for comp in range(3):
            diff = dc_values[comp] - previous[comp]
            previous[comp] = dc_values[comp]
            size = abs(diff).bit_length()
            code, length = dc_codes[size]
            writer.write(code, length)
            if size:
                writer.write(diff if diff > 0 else diff + (1 << size) - 1, size)
            writer.write(0, 1)  # end of block: the AC table's only code is "0"
    scan = writer.flush()
    components = b"".join(bytes((cid, 0x11, 0)) for cid in (1, 2, 3))
    return b"".join(
        (
            b"\xff\xd8",
            _segment(0xFFE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
            _segment(0xFFDB, b"\x00" + bytes([1] * 64)),
            _segment(0xFFC0, struct.pack(">BHHB", 8, height, width, 3) + components),
            _segment(0xFFC4, b"\x00" + bytes(_DC_BITS) + bytes(_DC_VALUES)),
            _segment(0xFFC4, b"\x10" + bytes((1,) + (0,) * 15) + b"\x00"),
            _segment(0xFFDA, b"\x03\x01\x00\x02\x00\x03\x00\x00\x3f\x00"),
            scan,
            b"\xff\xd9",
        )
    )


def png(width: int = 16, height: int = 16, rgb: tuple[int, int, int] = (41, 128, 185)) -> bytes:
    """A solid-colour 8-bit RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)),
            chunk(b"IDAT", zlib.compress(row * height)),
            chunk(b"IEND", b""),
        )
    )


def mp4(seconds: int = 1) -> bytes:
    """An ISO-BMFF blob (ftyp, free, mdat) that content sniffers recognise as MP4 video."""

    def box(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data) + 8) + kind + data

    payload = hashlib.sha256(b"anninh-demo-video").digest() * (64 * seconds)
    return (
        box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2avc1mp41")
        + box(b"free", b"")
        + box(b"mdat", payload)
    )


def for_name(name: str) -> tuple[bytes, str] | None:
    """The demo file served at /_local/zalo-cdn/<name>, by extension, with its content type."""
    lower = name.lower()
    if lower.endswith((".jpg", ".jpeg")):
        return jpeg(), "image/jpeg"
    if lower.endswith(".png"):
        return png(), "image/png"
    if lower.endswith(".mp4"):
        return mp4(), "video/mp4"
    if lower.endswith(".pdf"):
        return (
            b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
            "application/pdf",
        )
    if lower.endswith(".txt"):
        return "Tệp minh hoạ của An Ninh OA.\n".encode(), "text/plain; charset=utf-8"
    return None

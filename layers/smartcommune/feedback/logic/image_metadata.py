"""Taking out of a photo what it says beside the picture (where and when it was taken, with what, by whom),
without touching the picture: pure, on bytes.

Its own room because it reads three container formats byte by byte. Phones write the place a photo was taken
(EXIF GPS) into it; a citizen's photo of a pothole must not tell the commune, or everyone once published, where
they live. The page strips JPEGs it re-encodes, but a photo can reach S3 untouched (another client, a PNG or
WebP), so the server strips every photo on submit.

Lossless: only container segments and chunks are dropped or rewritten, the compressed image data is copied as
it is, so the decoded pixels are the same. Kept: what changes how the picture looks (JPEG: the JFIF header, an ICC
profile, the Adobe colour segment, tables, frames and scans; PNG: critical chunks and the colour, transparency,
density and animation chunks; WebP: VP8/VP8L/ALPH/ANIM/ANMF/ICCP and VP8X). Dropped: everything else — EXIF
(GPS, camera, dates, the thumbnail), XMP, IPTC/Photoshop, comments and text chunks, vendor segments, JPEG's
multi-picture index, and whatever follows the end of the image. The EXIF orientation alone is written back (a
one-entry EXIF block), so a phone photo still shows upright. A damaged file gives a damaged picture, never the
metadata back: anything the parser cannot make sense of is left out.
"""

from __future__ import annotations

import zlib
from typing import Literal

from smartcommune.feedback.logic.photos import sniff_image

ORIENTATION_TAG = 0x0112
_SHORT = 3
_EXIF_PREFIX = b"Exif\x00\x00"


def strip_metadata(data: bytes) -> bytes:
    """``data`` without its metadata (see the module); for a well-formed photo with none, the same bytes.

    ``data`` must be a JPEG, PNG or WebP by its first bytes (:func:`~.photos.sniff_image`), else ``ValueError``.
    """
    kind = sniff_image(data[:16])
    if kind == "image/jpeg":
        return strip_jpeg(data)
    if kind == "image/png":
        return strip_png(data)
    if kind == "image/webp":
        return strip_webp(data)
    raise ValueError("not a JPEG, PNG or WebP image")


# ---------------------------------------------------------------- EXIF orientation


def exif_orientation(exif: bytes) -> int | None:
    """The orientation (2–8) in an EXIF block (a TIFF structure, with or without ``Exif\\0\\0``); ``None`` for none,
    1 (upright) or anything unreadable."""
    tiff = exif[len(_EXIF_PREFIX) :] if exif.startswith(_EXIF_PREFIX) else exif
    if len(tiff) < 8 or tiff[:2] not in (b"II", b"MM"):
        return None
    order: Literal["little", "big"] = "little" if tiff[:2] == b"II" else "big"
    if int.from_bytes(tiff[2:4], order) != 42:
        return None
    ifd = int.from_bytes(tiff[4:8], order)
    if ifd + 2 > len(tiff):
        return None
    for index in range(int.from_bytes(tiff[ifd : ifd + 2], order)):
        entry = tiff[ifd + 2 + 12 * index : ifd + 14 + 12 * index]
        if len(entry) < 12:
            return None
        if int.from_bytes(entry[:2], order) == ORIENTATION_TAG and int.from_bytes(entry[2:4], order) == _SHORT:
            value = int.from_bytes(entry[8:10], order)
            return value if 2 <= value <= 8 else None
    return None


def orientation_tiff(orientation: int) -> bytes:
    """A TIFF structure (big-endian) whose only entry is the orientation: an EXIF block that says nothing else."""
    value = orientation.to_bytes(2, "big") + b"\x00\x00"  # a SHORT sits left-justified in the 4-byte value field
    entry = ORIENTATION_TAG.to_bytes(2, "big") + _SHORT.to_bytes(2, "big") + (1).to_bytes(4, "big") + value
    return b"MM\x00\x2a" + (8).to_bytes(4, "big") + (1).to_bytes(2, "big") + entry + bytes(4)  # no next IFD


# ---------------------------------------------------------------- JPEG

_SOI, _EOI, _SOS, _COM = 0xD8, 0xD9, 0xDA, 0xFE
_APP0, _APP1, _APP2, _APP14, _APP15 = 0xE0, 0xE1, 0xE2, 0xEE, 0xEF
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM and RST0-7 carry no length


def _jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + (len(payload) + 2).to_bytes(2, "big") + payload


def _jpeg_kept(marker: int, payload: bytes) -> bytes | None:
    """The segment to write for one read (``None``: drop it). Application segments and comments go, but for the
    JFIF header (its thumbnail removed), an ICC profile and Adobe's colour transform, which change the picture."""
    if marker == _COM:
        return None
    if not _APP0 <= marker <= _APP15:
        return _jpeg_segment(marker, payload)  # tables, frames, restart intervals, scans: the picture itself
    if marker == _APP0 and payload.startswith(b"JFIF\x00") and len(payload) >= 14:
        return _jpeg_segment(marker, payload[:12] + b"\x00\x00")  # no thumbnail (it may show the uncropped photo)
    if marker == _APP2 and payload.startswith(b"ICC_PROFILE\x00"):
        return _jpeg_segment(marker, payload)
    if marker == _APP14 and payload.startswith(b"Adobe"):
        return _jpeg_segment(marker, payload)
    return None


def _scan_end(data: bytes, pos: int) -> int:
    """Where the entropy-coded data from ``pos`` ends: at the first marker that is not a stuffed byte or a restart."""
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            return len(data)
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            pos += 2
            continue
        return pos


def _next_marker(data: bytes, pos: int) -> tuple[int, int] | None:
    """The next marker from ``pos`` and where its segment starts; bytes that are no marker are skipped, as
    decoders do, and so are fill bytes."""
    pos = data.find(b"\xff", pos)
    if pos < 0:
        return None
    while pos < len(data) and data[pos] == 0xFF:
        pos += 1
    return (data[pos], pos + 1) if pos < len(data) else None


def strip_jpeg(data: bytes) -> bytes:
    """A JPEG without its application segments (but JFIF, ICC, Adobe), comments and what follows its end."""
    out = bytearray(data[:2])
    pos, size = 2, len(data)
    oriented = False
    while (found := _next_marker(data, pos)) is not None:
        marker, pos = found
        if marker == _EOI:
            out += b"\xff\xd9"
            break  # anything after the end (a second picture, a vendor trailer) is not kept
        if marker in _STANDALONE:
            out += bytes((0xFF, marker))
            continue
        if marker in (0x00, _SOI) or pos + 2 > size:
            continue  # a stray byte, not a segment
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2:
            break
        payload = data[pos + 2 : pos + length]
        pos += length
        if marker == _APP1 and payload.startswith(_EXIF_PREFIX):
            orientation = None if oriented else exif_orientation(payload)
            if orientation is not None:  # in the place of the EXIF block, as a phone writes it
                out += _jpeg_segment(_APP1, _EXIF_PREFIX + orientation_tiff(orientation))
                oriented = True
            continue
        kept = _jpeg_kept(marker, payload)
        if kept is not None:
            out += kept
        if marker == _SOS:
            end = _scan_end(data, pos)
            out += data[pos:end]
            pos = end
    return bytes(out)


# ---------------------------------------------------------------- PNG

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Ancillary chunks that change how the picture looks or moves; every other ancillary chunk (eXIf, tEXt, zTXt,
# iTXt, tIME and private ones) is dropped. Critical chunks (upper-case first letter) are always kept.
_PNG_KEPT = frozenset(
    {
        b"tRNS",
        b"gAMA",
        b"cHRM",
        b"sRGB",
        b"iCCP",
        b"sBIT",
        b"bKGD",
        b"pHYs",
        b"hIST",
        b"sPLT",
        b"cICP",
        b"mDCV",
        b"cLLI",
        b"mDCv",
        b"cLLi",
        b"acTL",
        b"fcTL",
        b"fdAT",
    }
)


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload).to_bytes(4, "big")
    return len(payload).to_bytes(4, "big") + kind + payload + crc


def strip_png(data: bytes) -> bytes:
    """A PNG without its EXIF, text, time and private chunks, and without what follows ``IEND``."""
    out = bytearray(_PNG_SIGNATURE)
    pos = len(_PNG_SIGNATURE)
    oriented = False
    while pos + 12 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            break  # cut short: the rest is no chunk
        if kind == b"eXIf":
            orientation = None if oriented else exif_orientation(data[pos + 8 : end - 4])
            if orientation is not None:
                out += _png_chunk(b"eXIf", orientation_tiff(orientation))
                oriented = True
        elif kind[:1].isupper() or kind in _PNG_KEPT:
            out += data[pos:end]
        pos = end
        if kind == b"IEND":
            break
    return bytes(out)


# ---------------------------------------------------------------- WebP

_WEBP_KEPT = frozenset({b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"})
_VP8X_EXIF, _VP8X_XMP = 0x08, 0x04


def _riff_chunk(kind: bytes, payload: bytes) -> bytes:
    return kind + len(payload).to_bytes(4, "little") + payload + (b"\x00" if len(payload) % 2 else b"")


def strip_webp(data: bytes) -> bytes:
    """A WebP without its EXIF, XMP and unknown chunks; the RIFF size and the VP8X flags are made to match."""
    end_of_riff = min(len(data), 8 + int.from_bytes(data[4:8], "little"))
    chunks: list[bytes] = []
    vp8x: int | None = None
    orientation: int | None = None
    pos = 12
    while pos + 8 <= end_of_riff:
        kind = data[pos : pos + 4]
        length = int.from_bytes(data[pos + 4 : pos + 8], "little")
        payload = data[pos + 8 : pos + 8 + length]
        if len(payload) < length:
            break  # cut short
        pos += 8 + length + (length % 2)
        if kind == b"EXIF":
            orientation = exif_orientation(payload) if orientation is None else orientation
        elif kind in _WEBP_KEPT:
            if kind == b"VP8X" and vp8x is None and length >= 10:
                vp8x = len(chunks)
            chunks.append(_riff_chunk(kind, payload))
    if vp8x is not None:
        header = bytearray(chunks[vp8x])
        header[8] &= ~(_VP8X_EXIF | _VP8X_XMP) & 0xFF
        if orientation is not None:
            header[8] |= _VP8X_EXIF
            chunks.append(_riff_chunk(b"EXIF", orientation_tiff(orientation)))  # metadata goes last
        chunks[vp8x] = bytes(header)
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + len(body).to_bytes(4, "little") + body

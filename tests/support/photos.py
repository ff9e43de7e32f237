"""Real photos for tests, made with Pillow: with the metadata a phone or an editor writes into them (EXIF with the
GPS position, XMP, IPTC, comments, PNG text chunks), to check that the server takes it all out.
"""

from __future__ import annotations

import io
import zlib

from PIL import ExifTags, Image, PngImagePlugin

PLACE = "Nha anh An, xom 1, Giao Phong"  # what a comment, a text chunk or XMP could say about the citizen
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="20,15.5N"'
    b' exif:GPSLongitude="106,30.2E">' + PLACE.encode() + b"</rdf:Description></rdf:RDF></x:xmpmeta>"
)


def picture(size: tuple[int, int] = (64, 48), mode: str = "RGB") -> Image.Image:
    img = Image.new(mode, size, (200, 30, 30, 255)[: len(mode)])
    for x in range(size[0]):
        img.putpixel((x, x % size[1]), (x * 3 % 256, 255 - x % 256, 7, 128)[: len(mode)])
    return img


def gps_exif(orientation: int | None = 6) -> bytes:
    """EXIF as a phone writes it: maker, model, date, orientation and the GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Model X 12"
    exif[ExifTags.Base.DateTime] = "2026:11:29 08:15:00"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (20.0, 15.0, 30.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (106.0, 30.0, 12.25)
    return exif.tobytes()


def jpeg(exif: bytes | None = None, **options) -> bytes:
    out = io.BytesIO()
    extra = {"exif": exif} if exif else {}
    picture().save(out, "JPEG", quality=90, **extra, **options)
    return out.getvalue()


def insert_after_soi(data: bytes, segment: bytes) -> bytes:
    return data[:2] + segment + data[2:]


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + (len(payload) + 2).to_bytes(2, "big") + payload


IPTC = jpeg_segment(0xED, b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x20\x1c\x02\x5a\x00\x1a" + PLACE.encode())


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return len(payload).to_bytes(4, "big") + kind + payload + zlib.crc32(kind + payload).to_bytes(4, "big")


def png(exif: bytes | None = None, mode: str = "RGBA") -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", PLACE)
    info.add_text("Location", PLACE, zip=True)  # zTXt
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    out = io.BytesIO()
    extra = {"exif": exif} if exif else {}
    picture(mode=mode).save(out, "PNG", pnginfo=info, **extra)
    data = out.getvalue()
    time_chunk = png_chunk(b"tIME", b"\x07\xea\x0b\x1d\x08\x0f\x00")
    private = png_chunk(b"prVt", PLACE.encode())
    return data[:33] + time_chunk + private + data[33:]  # after IHDR


def webp(exif: bytes | None = None, **options) -> bytes:
    out = io.BytesIO()
    extra = {"exif": exif} if exif else {}
    picture(mode="RGBA").save(out, "WEBP", xmp=XMP, **extra, **options)
    return out.getvalue()

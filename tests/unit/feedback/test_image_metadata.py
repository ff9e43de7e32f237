"""Stripping a photo's metadata on the server: real JPEG, PNG and WebP files with the place they were taken (EXIF
GPS), XMP, IPTC, comments and text come out with none of it, the same picture, and still upright.
"""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image

from smartcommune.feedback.logic.image_metadata import exif_orientation, strip_metadata
from tests.support.photos import IPTC, PLACE, XMP, gps_exif, insert_after_soi, jpeg, jpeg_segment, picture, png, webp


def decoded(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def assert_no_metadata(clean: bytes) -> None:
    img = decoded(clean)
    exif = img.getexif()
    assert not exif.get_ifd(ExifTags.IFD.GPSInfo), "GPS position kept"
    assert set(exif) <= {ExifTags.Base.Orientation}, f"EXIF kept: {dict(exif)}"
    assert not {"xmp", "XML:com.adobe.xmp", "comment", "Comment", "Location", "photoshop"} & set(img.info)
    for trace in (PLACE.encode(), b"PhoneMaker", b"Model X 12", b"2026:11:29", b"GPSLatitude", b"xmpmeta"):
        assert trace not in clean


ORIGINALS = {
    "jpeg": lambda: insert_after_soi(jpeg(gps_exif(), comment=PLACE.encode()), IPTC),
    "jpeg-xmp": lambda: jpeg(gps_exif(), xmp=XMP),
    "jpeg-progressive": lambda: jpeg(gps_exif(), progressive=True, comment=PLACE.encode()),
    "png": lambda: png(gps_exif()),
    "png-palette": lambda: png(gps_exif(), mode="P"),
    "webp-lossless": lambda: webp(gps_exif(), lossless=True),
    "webp-lossy": lambda: webp(gps_exif(), quality=80),
}


@pytest.mark.parametrize("name", ORIGINALS)
def test_a_photo_loses_its_gps_and_every_other_metadata_but_not_a_pixel(name):
    # Given a photo as a phone would send it: the GPS position in EXIF, and XMP, comments or text besides
    original = ORIGINALS[name]()
    before = decoded(original)
    assert before.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] == (20.0, 15.0, 30.5)
    # When the server strips it
    clean = strip_metadata(original)
    # Then nothing but the orientation is left, and it decodes to the very same picture
    assert_no_metadata(clean)
    after = decoded(clean)
    assert (after.format, after.size, after.mode) == (before.format, before.size, before.mode)
    assert after.tobytes() == before.tobytes()
    assert after.getexif().get(ExifTags.Base.Orientation) == 6  # still shown upright
    assert len(clean) < len(original)


@pytest.mark.parametrize("name", ORIGINALS)
def test_stripping_twice_changes_nothing_more(name):
    once = strip_metadata(ORIGINALS[name]())
    assert strip_metadata(once) == once


def _plain_png() -> bytes:
    out = io.BytesIO()
    picture().save(out, "PNG")
    return out.getvalue()


def _plain_webp(**options) -> bytes:
    out = io.BytesIO()
    picture().save(out, "WEBP", **options)
    return out.getvalue()


@pytest.mark.parametrize(
    "make",
    [
        jpeg,
        _plain_png,
        lambda: _plain_webp(lossless=True),
        lambda: _plain_webp(quality=80),
    ],
)
def test_a_photo_without_metadata_comes_back_byte_for_byte(make):
    original = make()
    assert strip_metadata(original) == original


def test_an_upright_photo_keeps_no_exif_at_all():
    clean = strip_metadata(jpeg(gps_exif(orientation=None)))
    assert b"Exif\x00\x00" not in clean and not decoded(clean).getexif()
    clean = strip_metadata(webp(gps_exif(orientation=1), lossless=True))
    assert b"EXIF" not in clean and not decoded(clean).getexif()
    assert clean[20] & 0x0C == 0  # the VP8X flags no longer announce EXIF or XMP


def test_a_second_picture_or_trailer_after_the_end_of_a_jpeg_is_dropped():
    # Given a JPEG followed by another JPEG carrying EXIF (as a multi-picture file or an editor's trailer does)
    first = jpeg()
    original = first + jpeg(gps_exif()) + PLACE.encode()
    # Then only the first picture is kept
    assert strip_metadata(original) == first


def test_the_jfif_thumbnail_is_dropped_but_the_header_kept():
    base = jpeg()
    assert base[2:4] == b"\xff\xe0"
    length = int.from_bytes(base[4:6], "big")
    thumbnail = bytes([2, 1]) + bytes(range(12))  # a 2×1 RGB thumbnail
    app0 = jpeg_segment(0xE0, base[6:18] + thumbnail)
    original = base[:2] + app0 + base[4 + length :]
    clean = strip_metadata(original)
    assert clean == base and decoded(clean).info["jfif_version"] == (1, 1)


@pytest.mark.parametrize("name", ["jpeg", "png", "webp-lossless"])
def test_a_photo_cut_short_anywhere_never_gives_the_metadata_back(name):
    original = ORIGINALS[name]()
    for cut in range(16, len(original), max(1, len(original) // 97)):
        clean = strip_metadata(original[:cut])
        for trace in (PLACE.encode(), b"PhoneMaker", b"xmpmeta"):
            assert trace not in clean, (cut, trace)


def test_what_is_not_an_image_is_refused():
    with pytest.raises(ValueError):
        strip_metadata(b"GIF89a" + bytes(40))


@pytest.mark.parametrize(
    ("exif", "expected"),
    [
        (lambda: gps_exif(orientation=8), 8),
        (lambda: gps_exif(orientation=1), None),
        (lambda: gps_exif(orientation=None), None),
        (lambda: b"Exif\x00\x00II*\x00\x08\x00\x00\x00\xff\xff", None),  # says 65535 entries, holds none
        (lambda: b"Exif\x00\x00XX", None),
    ],
)
def test_the_orientation_is_read_from_exif_safely(exif, expected):
    assert exif_orientation(exif()) == expected


@pytest.mark.parametrize(
    ("fmt", "options"),
    [("JPEG", {"quality": 90}), ("PNG", {}), ("WEBP", {"lossless": True})],
    ids=["jpeg", "png", "webp"],
)
def test_the_colour_profile_is_kept_because_it_changes_how_the_picture_looks(fmt, options):
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    picture().save(out, fmt, exif=gps_exif(), icc_profile=icc, **options)
    clean = strip_metadata(out.getvalue())
    assert_no_metadata(clean)
    assert decoded(clean).info["icc_profile"] == icc

"""Photos through the real upload ticket on moto: whatever the citizen's browser put in S3, the stored photo keeps
no GPS position (nor any other metadata) once the feedback is submitted, and is still the same picture.
"""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image

from smartcommune.core.aws import client
from tests.integration.feedback.test_feedback_api import NEW, call, upload
from tests.support.identities import citizen_token, ensure_demo_communes
from tests.support.photos import PLACE, XMP, gps_exif, jpeg, png, webp


@pytest.fixture
def citizen(services) -> str:
    ensure_demo_communes(services)
    return citizen_token(services, phone="+84912345678")[0]


def stored(settings, key: str) -> tuple[bytes, str]:
    found = client("s3", settings).get_object(Bucket=settings.media_bucket, Key=key)
    return found["Body"].read(), found["ContentType"]


@pytest.mark.parametrize(
    ("make", "content_type"),
    [
        (lambda: jpeg(gps_exif(), comment=PLACE.encode(), xmp=XMP), "image/jpeg"),
        (lambda: png(gps_exif()), "image/png"),
        (lambda: webp(gps_exif(), lossless=True), "image/webp"),
    ],
    ids=["jpeg", "png", "webp"],
)
def test_a_photo_with_its_gps_position_is_stored_without_it(api, settings, citizen, make, content_type):
    # Given a photo whose EXIF holds the place it was taken, uploaded untouched through the presigned PUT
    original = make()
    before = Image.open(io.BytesIO(original))
    assert before.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    upload_id = upload(api, settings, citizen, original, content_type)
    # When the citizen submits the feedback with it
    status, item = call(api, "POST", "/feedback", {**NEW, "upload_ids": [upload_id]}, citizen, key="gps-photo-01")
    assert status == 201, item
    # Then the kept object has no GPS, no other EXIF but the orientation, no XMP or comment
    photo = item["photos"][0]
    data, stored_type = stored(settings, photo["key"])
    assert photo["key"] == f"media/giao-phong/feedback/{upload_id}" and stored_type == content_type
    after = Image.open(io.BytesIO(data))
    after.load()
    exif = after.getexif()
    assert not exif.get_ifd(ExifTags.IFD.GPSInfo) and set(exif) <= {ExifTags.Base.Orientation}
    assert PLACE.encode() not in data and b"PhoneMaker" not in data and b"xmpmeta" not in data
    # And it is the same picture, of the size the item says
    assert (after.format, after.size) == (before.format, before.size)
    assert after.tobytes() == before.convert(after.mode).tobytes()
    assert photo["size_bytes"] == len(data) < len(original)


def test_a_retried_submission_finds_the_photo_already_clean_and_returns_the_same_body(api, settings, citizen):
    upload_id = upload(api, settings, citizen, jpeg(gps_exif()), "image/jpeg")
    body = {**NEW, "upload_ids": [upload_id]}
    status, first = call(api, "POST", "/feedback", body, citizen, key="gps-photo-02")
    assert status == 201
    status, again = call(api, "POST", "/feedback", body, citizen, key="gps-photo-02")
    assert status == 201 and again == first
    data, _ = stored(settings, first["photos"][0]["key"])
    assert not Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)


def test_an_upload_link_used_again_after_submitting_cannot_put_the_original_back(api, settings, citizen):
    # Given a submitted photo (its upload link is valid for 15 minutes)
    original = jpeg(gps_exif())
    upload_id = upload(api, settings, citizen, original, "image/jpeg")
    status, item = call(api, "POST", "/feedback", {**NEW, "upload_ids": [upload_id]}, citizen, key="gps-photo-03")
    assert status == 201
    kept = item["photos"][0]["key"]
    # When the original, GPS and all, is sent again to the upload's key
    s3 = client("s3", settings)
    upload_key = f"media/uploads/feedback/giao-phong/{upload_id}"
    s3.put_object(Bucket=settings.media_bucket, Key=upload_key, Body=original, ContentType="image/jpeg")
    # Then the photo the item shows is still the stripped one: uploads and kept photos never share a key
    data, _ = stored(settings, kept)
    assert kept != upload_key
    assert not Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)


def test_abandoned_photo_uploads_fall_under_the_buckets_expiry_rule(api, settings, citizen):
    from smartcommune_local.template import load_template

    # Given the media bucket's lifecycle rules, and a ticket for a photo that will never be submitted
    rules = load_template()["Resources"]["MediaBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    expiring = [r["Prefix"] for r in rules if r["Status"] == "Enabled" and r.get("ExpirationInDays", 99) <= 1]
    status, ticket = call(api, "POST", "/feedback/uploads", {"content_type": "image/jpeg", "size_bytes": 1000}, citizen)
    assert status == 201
    # Then the upload's key is one the bucket deletes after a day
    key = ticket["url"].split("?")[0].removeprefix("/")
    assert any(key.startswith(prefix) for prefix in expiring), (key, expiring)

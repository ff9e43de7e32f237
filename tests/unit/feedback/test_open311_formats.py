"""Open311 GeoReport v2: rendering (JSON and XML as the spec lays them out), errors, input rules and filters."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from smartcommune.core.contracts import VN_TZ
from smartcommune.feedback.logic.open311 import key_hash
from smartcommune.feedback.logic.open311_formats import Open311Error, render, render_error, split_format
from smartcommune.feedback.logic.open311_post import (
    MAX_FORM_BYTES,
    derive_title,
    idempotency_key_for,
    parse_post,
    validate_post,
)
from smartcommune.feedback.logic.open311_query import parse_moment, parse_request_query

REQUEST_KEYS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]

NOW = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)


def _parse(body: bytes) -> ET.Element:
    return ET.fromstring(body)  # noqa: S314 - our own rendering, parsed back to check it


def _request(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = dict.fromkeys(REQUEST_KEYS)
    base.update(
        service_request_id="abc123",
        status="open",
        status_notes="Đang xử lý / In progress",
        service_name="Đường giao thông",
        service_code="roads",
        description="Ổ gà lớn trên đường trục xã, gần đình Vuông.",
        requested_datetime="2026-11-29T08:00:00+07:00",
        lat=20.25,
        long=106.5,
    )
    base.update(overrides)
    return base


def _form(**overrides: str) -> dict[str, object]:
    params: dict[str, object] = {
        "api_key": "sc311_x",
        "service_code": "roads",
        "lat": "20.25",
        "long": "106.5",
        "description": "Ổ gà lớn trên đường trục xã, gần đình Vuông.",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


# ---------------------------------------------------------------- rendering


def test_xml_service_requests_have_the_spec_elements_in_order_and_keep_vietnamese() -> None:
    # Given one service request
    # When it is rendered as XML
    rendered = render("xml", "service_requests", [_request()])

    # Then it is UTF-8 XML with a declaration, <service_requests><request> and the spec's elements in order
    assert rendered.content_type == "application/xml; charset=utf-8"
    assert rendered.body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = _parse(rendered.body)
    assert root.tag == "service_requests"
    (request,) = list(root)
    assert request.tag == "request"
    assert [child.tag for child in request] == REQUEST_KEYS
    assert request.findtext("description") == "Ổ gà lớn trên đường trục xã, gần đình Vuông."
    assert request.findtext("service_name") == "Đường giao thông"
    assert request.findtext("lat") == "20.25"
    # and a missing value is an empty element, as in the spec's examples
    assert request.find("zipcode") is not None
    assert request.findtext("zipcode") in {None, ""}


def test_xml_nests_lists_with_the_spec_item_names() -> None:
    # Given a service definition with attributes and values
    definition = {
        "service_code": "roads",
        "attributes": [
            {"variable": True, "code": "hamlet", "values": [{"key": "dong-thanh", "name": "Xóm Đông Thành"}]}
        ],
    }

    # When rendered as XML
    root = _parse(render("xml", "service_definition", definition).body)

    # Then attributes/attribute and values/value are nested, booleans are true/false
    attribute = root.find("attributes/attribute")
    assert attribute is not None
    assert attribute.findtext("variable") == "true"
    assert root.findtext("attributes/attribute/values/value/name") == "Xóm Đông Thành"


def test_json_is_a_utf8_array_without_escapes() -> None:
    rendered = render("json", "service_requests", [_request()])

    assert rendered.content_type == "application/json; charset=utf-8"
    assert "Ổ gà".encode() in rendered.body
    (request,) = json.loads(rendered.body)
    assert list(request) == REQUEST_KEYS


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_errors_use_the_spec_format_with_vietnamese_then_english(fmt: str) -> None:
    # Given a refused key
    error = Open311Error(403, "api_key không hợp lệ", "Invalid api_key")

    # When rendered
    rendered = render_error(fmt, error)  # type: ignore[arg-type]

    # Then the status is the error's, and the body is the spec's error list
    assert rendered.status == 403
    if fmt == "json":
        assert json.loads(rendered.body) == [{"code": 403, "description": "api_key không hợp lệ / Invalid api_key"}]
    else:
        root = _parse(rendered.body)
        assert root.tag == "errors"
        assert [e.tag for e in root.iter() if e is not root] == ["error", "code", "description"]
        assert root.findtext("error/code") == "403"
        assert root.findtext("error/description") == "api_key không hợp lệ / Invalid api_key"


def test_rate_limit_errors_carry_retry_after() -> None:
    rendered = render_error("json", Open311Error(429, "Quá nhiều", "Too many", retry_after_s=42))

    assert rendered.status == 429
    assert rendered.headers["Retry-After"] == "42"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("abc.json", ("abc", "json")), ("GP-26-1.xml", ("GP-26-1", "xml")), ("a.b.xml", ("a.b", "xml"))],
)
def test_split_format(name: str, expected: tuple[str, str]) -> None:
    assert split_format(name) == expected


@pytest.mark.parametrize("name", ["abc", "abc.html", ".json", "abc.JSON"])
def test_split_format_refuses_other_extensions(name: str) -> None:
    with pytest.raises(Open311Error) as caught:
        split_format(name)
    assert caught.value.code == 400


# ---------------------------------------------------------------- POST input


def test_form_encoded_post_is_parsed_with_attributes_and_utf8() -> None:
    body = (
        b"api_key=sc311_x&service_code=roads&lat=20.25&long=106.5"
        b"&description=%E1%BB%94+g%C3%A0+l%E1%BB%9Bn+tr%C3%AAn+%C4%91%C6%B0%E1%BB%9Dng"
        b"&attribute%5Btitle%5D=%E1%BB%94+g%C3%A0&attribute[hamlet]=dong-thanh"
    )

    params = parse_post(body, "application/x-www-form-urlencoded; charset=utf-8")

    assert params["description"] == "Ổ gà lớn trên đường"
    assert params["attributes"] == {"title": "Ổ gà", "hamlet": "dong-thanh"}


def test_json_post_is_accepted_too() -> None:
    body = json.dumps({"api_key": "k", "service_code": "roads", "attribute": {"title": "Ổ gà"}}).encode()

    params = parse_post(body, "application/json")

    assert params == {"api_key": "k", "service_code": "roads", "attributes": {"title": "Ổ gà"}}


def test_oversized_body_is_refused_before_parsing() -> None:
    with pytest.raises(Open311Error) as caught:
        parse_post(b"a" * (MAX_FORM_BYTES + 1), "application/x-www-form-urlencoded")
    assert caught.value.code == 413


def test_a_valid_form_passes_and_the_phone_is_normalised() -> None:
    form = validate_post(_form(phone="0912 345 678", email="an@example.vn", media_url="https://anh.example.vn/1.jpg"))

    assert form.lat == 20.25
    assert form.phone == "+84912345678"


@pytest.mark.parametrize(
    ("overrides", "mentions"),
    [
        ({"service_code": None}, "service_code"),
        ({"description": None}, "description"),
        ({"description": "ngắn"}, "description"),
        ({"description": "x" * 4001}, "4000"),
        ({"lat": "1.0"}, "Vietnam"),
        ({"long": "150"}, "Vietnam"),
        ({"lat": None}, "lat and long"),
        ({"lat": None, "long": None}, "location is required"),
        ({"media_url": "http://insecure.example/a.jpg"}, "media_url"),
        ({"media_url": "//evil.example/a.jpg"}, "media_url"),
        ({"media_url": "javascript:alert(1)"}, "media_url"),
        ({"email": "not-an-email"}, "e-mail"),
        ({"phone": "12345"}, "phone"),
        ({"surprise": "x"}, "surprise"),
    ],
)
def test_bad_forms_are_refused_with_a_bilingual_400(overrides: dict[str, str], mentions: str) -> None:
    with pytest.raises(Open311Error) as caught:
        validate_post(_form(**overrides))

    assert caught.value.code == 400
    assert mentions in caught.value.message_en
    assert caught.value.description.startswith("Yêu cầu chưa hợp lệ")


def test_an_address_alone_is_a_location() -> None:
    form = validate_post(_form(lat=None, long=None, address_string="Xóm Đông Thành"))  # type: ignore[arg-type]

    assert form.lat is None
    assert form.address_string == "Xóm Đông Thành"


def test_same_origin_media_path_is_accepted() -> None:
    assert validate_post(_form(media_url="/media/open311/a.jpg")).media_url == "/media/open311/a.jpg"


def test_title_comes_from_the_attribute_or_the_first_sentence() -> None:
    description = "Ổ gà lớn trên đường trục xã. Xe máy đã ngã hai lần trong tuần."
    assert derive_title(description, "Ổ gà đường trục", "Đường") == "Ổ gà đường trục"
    assert derive_title(description, None, "Đường") == "Ổ gà lớn trên đường trục xã."
    long_title = derive_title("chữ " * 100, None, "Đường")
    assert len(long_title) <= 150
    assert long_title.endswith("…")
    assert derive_title("Rác! nhiều quá", None, "Môi trường").startswith("Môi trường: ")


def test_idempotency_key_is_the_header_or_a_digest_of_the_form() -> None:
    form = validate_post(_form())
    same = validate_post(_form(api_key="sc311_other"))
    different = validate_post(_form(description="Một phản ánh khác hẳn về đường."))

    assert idempotency_key_for("k1", form, None) == idempotency_key_for("k1", same, None)
    assert idempotency_key_for("k1", form, None) != idempotency_key_for("k1", different, None)
    assert idempotency_key_for("k1", form, None) != idempotency_key_for("k2", form, None)
    by_header = idempotency_key_for("k1", form, "retry-0001")
    assert by_header == idempotency_key_for("k1", different, "retry-0001")
    assert by_header != idempotency_key_for("k1", form, None)
    # the backend keeps keys of 8-64 characters from [A-Za-z0-9._:-]
    assert re.fullmatch(r"[A-Za-z0-9._:-]{8,64}", idempotency_key_for("0123456789abcdef", form, None))


def test_key_hash_is_sha256_hex() -> None:
    assert key_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


# ---------------------------------------------------------------- GET filters and dates


def test_dates_accept_offsets_z_naive_and_plain_dates() -> None:
    assert parse_moment("start_date", "2026-11-29T08:00:00+07:00") == datetime(2026, 11, 29, 1, tzinfo=UTC)
    assert parse_moment("start_date", "2026-11-29T01:00:00Z") == datetime(2026, 11, 29, 1, tzinfo=UTC)
    assert parse_moment("start_date", "2026-11-29T08:00:00") == datetime(2026, 11, 29, 8, tzinfo=VN_TZ)
    assert parse_moment("start_date", "2026-11-29") == datetime(2026, 11, 29, 0, tzinfo=VN_TZ)
    # a "+" left unencoded in a query string arrives as a space
    assert parse_moment("start_date", "2026-11-29T08:00:00 07:00") == datetime(2026, 11, 29, 1, tzinfo=UTC)


def test_bad_dates_are_a_400_naming_the_parameter() -> None:
    with pytest.raises(Open311Error) as caught:
        parse_moment("end_date", "hôm qua")
    assert caught.value.code == 400
    assert caught.value.message_en.startswith("end_date")


def test_default_window_is_the_last_90_days() -> None:
    q = parse_request_query({}, NOW)

    assert (q.start, q.end) == (NOW - timedelta(days=90), NOW)
    assert q.ids is None


def test_ids_override_every_other_filter() -> None:
    q = parse_request_query({"service_request_id": "a1, b2,a1", "status": "closed", "service_code": "roads"}, NOW)

    assert q.ids == ["a1", "b2"]
    assert (q.status, q.service_code, q.start, q.end) == (None, None, None, None)


@pytest.mark.parametrize(
    "query",
    [
        {"status": "pending"},
        {"start_date": "2026-01-01", "end_date": "2026-06-01"},
        {"start_date": "2026-06-01", "end_date": "2026-01-01"},
        {"service_request_id": "a;drop"},
    ],
)
def test_bad_filters_are_a_400(query: dict[str, str]) -> None:
    with pytest.raises(Open311Error) as caught:
        parse_request_query(query, NOW)
    assert caught.value.code == 400


def test_one_sided_windows_span_90_days() -> None:
    start = datetime(2026, 9, 1, tzinfo=VN_TZ)
    q = parse_request_query({"start_date": "2026-09-01", "status": "OPEN", "extensions": "true"}, NOW)

    assert (q.start, q.end, q.status, q.extensions) == (start, start + timedelta(days=90), "open", True)

"""Open311 GeoReport v2: status mapping, record mapping (no personal data) and the gateway, with in-memory fakes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from smartcommune.core.contracts import Role
from smartcommune.core.errors import NotFoundError
from smartcommune.feedback.contracts.records import DEFAULT_FIELDS, STATUSES, Feedback, FeedbackField, GeoPoint
from smartcommune.feedback.contracts.views import PublicFeedback
from smartcommune.feedback.logic.open311 import ApiKey, Open311Gateway, Open311Limits, key_hash
from smartcommune.feedback.logic.open311_formats import Open311Error
from smartcommune.feedback.logic.open311_mapping import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    coarse_point,
    open311_status,
    request_view,
    service_view,
    status_notes,
    status_view,
)
from tests.support.identities import DEMO_COMMUNES, GIAO_PHONG, InMemoryRates

NOW = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
FIELDS = {f.code: f for f in DEFAULT_FIELDS}
GP_KEY = "sc311_giao-phong-key"
BL_KEY = "sc311_bach-long-key"


def _feedback(**overrides: Any) -> Feedback:
    values: dict[str, Any] = {
        "id": "0" * 31 + "1",
        "tracking_code": "GP-26-000001",
        "commune_id": "giao-phong",
        "citizen_id": "citizen-secret-id",
        "field_code": "roads",
        "title": "Ổ gà đường trục xã",
        "description": "Ổ gà lớn trên đường trục xã, gần đình Vuông.",
        "hamlet_id": "xom-1",
        "location": GeoPoint(lat=20.25, lon=106.5),
        "unit": Role.INFRASTRUCTURE,
        "deadline_at": NOW + timedelta(hours=168),
        "created_at": NOW,
        "updated_at": NOW,
        "reporter_name": "Nguyễn Văn An",
        "reporter_email": "an@example.vn",
        "reporter_phone": "+84912345678",
    }
    values.update(overrides)
    return Feedback(**values)


def _published(**overrides: Any) -> Feedback:
    values: dict[str, Any] = {
        "status": "published",
        "result": "Đã vá xong ổ gà",
        "resolved_at": NOW + timedelta(hours=2),
        "published_at": NOW + timedelta(hours=3),
        "updated_at": NOW + timedelta(hours=3),
    }
    return _feedback(**{**values, **overrides})


def _public(feedback: Feedback) -> PublicFeedback:
    """The portal's projection, as ``FeedbackService.public_view`` builds it."""
    return PublicFeedback(
        id=feedback.id,
        tracking_code=feedback.tracking_code,
        field_code=feedback.field_code,
        field_name=FIELDS[feedback.field_code].name,
        hamlet_id=feedback.hamlet_id,
        title=feedback.title,
        description=feedback.description,
        status=feedback.status,
        result=feedback.result,
        created_at=feedback.created_at,
        resolved_at=feedback.resolved_at,
        published_at=feedback.published_at,
        rating_stars=None,
        photos=[],
    )


# ---------------------------------------------------------------- fakes


@dataclass
class FakeFeedback:
    """The contract's ``FeedbackService`` methods over a list."""

    items: list[Feedback] = field(default_factory=list)
    submissions: list[dict[str, Any]] = field(default_factory=list)
    fields_list: list[FeedbackField] = field(default_factory=lambda: list(DEFAULT_FIELDS))

    def fields(self, commune_id: str) -> list[FeedbackField]:
        return self.fields_list

    def submit_from_open311(self, commune_id: str, **kwargs: Any) -> Feedback:
        self.submissions.append({"commune_id": commune_id, **kwargs})
        item = _feedback(
            id=f"{len(self.items) + 1:032x}",
            commune_id=commune_id,
            citizen_id=None,
            field_code=kwargs["field_code"],
            title=kwargs["title"],
            description=kwargs["description"],
            channel="open311",
        )
        self.items.append(item)
        return item

    def public_view(self, feedback: Feedback) -> PublicFeedback:
        return _public(feedback)

    def get_public(self, commune_id: str, feedback_id: str) -> Feedback:
        for item in self.items:
            if item.commune_id == commune_id and item.id == feedback_id:
                return item
        raise NotFoundError("Không tìm thấy.", "Not found.")

    def search_public(self, commune_id: str, **kwargs: Any) -> list[Feedback]:
        return [i for i in self.items if i.commune_id == commune_id]


@dataclass
class FakeKeys:
    keys: dict[str, ApiKey] = field(default_factory=dict)

    def verify(self, raw_key: str) -> ApiKey | None:
        key = self.keys.get(key_hash(raw_key))
        return key if key is not None and key.active else None


@dataclass
class FakeCommunes:
    ids: list[str] = field(default_factory=lambda: list(DEMO_COMMUNES))

    def get(self, commune_id: str) -> Any:
        return DEMO_COMMUNES.get(commune_id) if commune_id in self.ids else None

    def all_ids(self) -> list[str]:
        return self.ids


def _key(commune_id: str, revoked: bool = False) -> ApiKey:
    return ApiKey(
        key_id=f"id-{commune_id}",
        commune_id=commune_id,
        label=f"app {commune_id}",
        created_at=NOW,
        created_by="test",
        revoked_at=NOW if revoked else None,
    )


@pytest.fixture
def feedback() -> FakeFeedback:
    return FakeFeedback()


@pytest.fixture
def gateway(feedback: FakeFeedback) -> Open311Gateway:
    keys = FakeKeys(
        {
            key_hash(GP_KEY): _key("giao-phong"),
            key_hash(BL_KEY): _key("bach-long"),
            key_hash("sc311_revoked"): _key("giao-phong", revoked=True),
        }
    )
    return Open311Gateway(
        feedback=feedback,
        keys=keys,
        communes=FakeCommunes(),
        rates=InMemoryRates(),
        clock=lambda: NOW,
        limits=Open311Limits(posts_per_key_per_minute=3, bad_keys_per_client_per_minute=2),
    )


def _form(**overrides: Any) -> dict[str, Any]:
    params = {
        "api_key": GP_KEY,
        "service_code": "roads",
        "lat": "20.25",
        "long": "106.5",
        "description": "Ổ gà lớn trên đường trục xã, gần đình Vuông.",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


# ---------------------------------------------------------------- status mapping


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("received", "open"),
        ("assigned", "open"),
        ("in_progress", "open"),
        ("resolved", "closed"),
        ("approved", "closed"),
        ("published", "closed"),
        ("rejected", "closed"),
        ("duplicate", "closed"),
    ],
)
def test_every_workflow_status_maps_to_open_or_closed(status: str, expected: str) -> None:
    assert open311_status(status) == expected


def test_the_mapping_covers_every_status_the_backend_knows() -> None:
    assert set(STATUSES) == OPEN_STATUSES | CLOSED_STATUSES
    assert not OPEN_STATUSES & CLOSED_STATUSES


def test_status_notes_carry_the_published_result_and_never_a_rejection_reason() -> None:
    assert status_notes("in_progress") == "Đang xử lý / In progress"
    assert "Kết quả / Result: Đã vá xong ổ gà" in status_notes("published", "Đã vá xong ổ gà")
    assert status_notes("rejected") == "Không tiếp nhận / Rejected"
    assert status_notes("duplicate") == "Trùng với phản ánh khác / Duplicate of another request"


# ---------------------------------------------------------------- record mapping


def test_a_service_is_a_feedback_field_with_its_open311_code() -> None:
    roads = FIELDS["roads"].model_copy(update={"open311_code": "GP-ROADS"})

    view = service_view(roads)

    assert list(view) == ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
    assert view["service_code"] == "GP-ROADS"
    assert view["service_name"] == "Đường giao thông"
    assert view["type"] == "realtime"
    assert view["group"] == "Xây dựng - Giao thông - Thủy lợi"
    assert "168" in view["description"]


def test_a_published_request_shows_the_public_projection_with_a_coarse_place() -> None:
    # Given a published item made at the citizen's house, with a typed address
    item = _published(address="Số 12 ngõ 5", location=GeoPoint(lat=20.254213, lon=106.531877))

    # When it is mapped from the portal's projection
    view = request_view(_public(item), FIELDS, GIAO_PHONG, point=coarse_point(item))

    # Then it reads in Vietnam's time, at its hamlet and a rounded point, with nobody named
    assert view["requested_datetime"] == "2026-11-29T08:00:00+07:00"
    assert view["updated_datetime"] == "2026-11-29T11:00:00+07:00"
    assert view["status"] == "closed"
    assert view["service_code"] == "roads"
    assert view["address"] == "Xóm 1, Xã Giao Phong"
    assert (view["lat"], view["long"]) == (20.25, 106.53)
    assert view["media_url"] is None
    assert "extended_attributes" not in view
    text = json.dumps(view, ensure_ascii=False)
    for secret in ("citizen-secret-id", "Nguyễn Văn An", "an@example.vn", "912345678", "Số 12", "20.254213"):
        assert secret not in text


def test_an_anonymous_item_has_no_point_at_all() -> None:
    assert coarse_point(_published(anonymous_public=True)) is None
    assert coarse_point(_published(location=None)) is None


def test_extensions_add_only_what_the_portal_shows() -> None:
    view = request_view(_public(_published()), FIELDS, GIAO_PHONG, extensions=True)

    assert view["extended_attributes"] == {
        "sc_status": "published",
        "sc_tracking_code": "GP-26-000001",
        "sc_title": "Ổ gà đường trục xã",
        "sc_hamlet": "xom-1",
    }


def test_an_unpublished_request_shows_its_status_only() -> None:
    item = _feedback(status="rejected", rejection_reason="Tranh chấp giữa hai hộ", address="Số 12 ngõ 5")

    view = status_view(item, extensions=True)

    assert list(view)[:3] == ["service_request_id", "status", "status_notes"]
    assert (view["status"], view["status_notes"]) == ("closed", "Không tiếp nhận / Rejected")
    assert view["extended_attributes"] == {"sc_status": "rejected"}
    assert {k for k, v in view.items() if v is not None} == {
        "service_request_id",
        "status",
        "status_notes",
        "requested_datetime",
        "updated_datetime",
        "extended_attributes",
    }


# ---------------------------------------------------------------- jurisdiction


def test_jurisdiction_is_required_when_there_are_several_communes(gateway: Open311Gateway) -> None:
    with pytest.raises(Open311Error) as caught:
        gateway.services(None)
    assert caught.value.code == 400
    assert "jurisdiction_id" in caught.value.message_en


def test_unknown_jurisdiction_is_a_400(gateway: Open311Gateway) -> None:
    with pytest.raises(Open311Error) as caught:
        gateway.services("ha-noi")
    assert caught.value.code == 400


def test_with_one_commune_the_jurisdiction_may_be_left_out(feedback: FakeFeedback) -> None:
    gateway = Open311Gateway(
        feedback=feedback,
        keys=FakeKeys(),
        communes=FakeCommunes(["giao-phong"]),
        rates=InMemoryRates(),
        clock=lambda: NOW,
    )

    assert [s["service_code"] for s in gateway.services(None)] == [f.code for f in DEFAULT_FIELDS]


def test_inactive_fields_are_not_offered(gateway: Open311Gateway, feedback: FakeFeedback) -> None:
    feedback.fields_list = [f.model_copy(update={"active": f.code != "health"}) for f in DEFAULT_FIELDS]

    assert "health" not in [s["service_code"] for s in gateway.services("giao-phong")]
    with pytest.raises(Open311Error) as caught:
        gateway.service_definition("giao-phong", "health")
    assert caught.value.code == 404


def test_service_definition_offers_title_and_the_communes_hamlets(gateway: Open311Gateway) -> None:
    definition = gateway.service_definition("giao-phong", "roads")

    codes = [a["code"] for a in definition["attributes"]]
    assert codes == ["title", "hamlet"]
    assert [v["key"] for v in definition["attributes"][1]["values"]] == [h.id for h in GIAO_PHONG.hamlets]


# ---------------------------------------------------------------- creating


def test_a_valid_post_submits_through_the_feedback_service(gateway: Open311Gateway, feedback: FakeFeedback) -> None:
    # Given a form with a title and a hamlet attribute
    form = _form(
        attributes={"title": "Ổ gà đường trục", "hamlet": "xom-2"},
        address_string="Gần đình Vuông",
        phone="0912345678",
    )

    # When it is posted
    answer = gateway.create(form, client="1.2.3.4", idempotency_header=None)

    # Then the feedback service got the mapped request, in the key's commune
    (submitted,) = feedback.submissions
    assert submitted["commune_id"] == "giao-phong"
    assert submitted["field_code"] == "roads"
    assert submitted["title"] == "Ổ gà đường trục"
    assert submitted["address"] == "Gần đình Vuông, Xóm 2"
    assert submitted["phone"] == "+84912345678"
    assert (submitted["lat"], submitted["lon"]) == (20.25, 106.5)
    assert submitted["hamlet_id"] == "xom-2"
    assert (submitted["api_client"], submitted["api_client_label"]) == ("id-giao-phong", "app giao-phong")
    assert submitted["idempotency_key"].startswith("o311-id-giao-phong-")
    assert answer == [
        {
            "service_request_id": feedback.items[0].id,
            "service_notice": "Thời hạn xử lý 168 giờ / To be handled within 168 hours",
            "account_id": None,
        }
    ]


@pytest.mark.parametrize("api_key", [None, "", "sc311_wrong", "sc311_revoked"])
def test_missing_wrong_or_revoked_keys_are_403_and_nothing_is_written(
    gateway: Open311Gateway, feedback: FakeFeedback, api_key: str | None
) -> None:
    with pytest.raises(Open311Error) as caught:
        gateway.create(_form(api_key=api_key), client="1.2.3.4", idempotency_header=None)

    assert caught.value.code == 403
    assert "api_key" in caught.value.message_en
    assert feedback.submissions == []


def test_a_bad_key_with_a_bad_form_is_still_403(gateway: Open311Gateway) -> None:
    with pytest.raises(Open311Error) as caught:
        gateway.create({"api_key": "sc311_wrong"}, client="1.2.3.4", idempotency_header=None)
    assert caught.value.code == 403


def test_guessing_keys_is_rate_limited_per_client(gateway: Open311Gateway) -> None:
    for _ in range(2):
        with pytest.raises(Open311Error):
            gateway.create(_form(api_key="sc311_guess"), client="6.6.6.6", idempotency_header=None)

    with pytest.raises(Open311Error) as caught:
        gateway.create(_form(api_key="sc311_guess"), client="6.6.6.6", idempotency_header=None)

    assert caught.value.code == 429
    assert caught.value.retry_after_s is not None


def test_posts_are_rate_limited_per_key(gateway: Open311Gateway, feedback: FakeFeedback) -> None:
    for n in range(3):
        gateway.create(_form(description=f"Phản ánh số {n} về đường."), client="1.2.3.4", idempotency_header=None)

    with pytest.raises(Open311Error) as caught:
        gateway.create(_form(), client="1.2.3.4", idempotency_header=None)

    assert caught.value.code == 429
    assert len(feedback.submissions) == 3


def test_a_key_cannot_create_in_another_jurisdiction(gateway: Open311Gateway, feedback: FakeFeedback) -> None:
    with pytest.raises(Open311Error) as caught:
        gateway.create(_form(jurisdiction_id="bach-long"), client="1.2.3.4", idempotency_header=None)

    assert caught.value.code == 403
    assert feedback.submissions == []


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"service_code": "potholes"}, 404),
        ({"description": None}, 400),
        ({"attributes": {"hamlet": "xom-99"}}, 400),
    ],
)
def test_bad_requests_with_a_good_key_write_nothing(
    gateway: Open311Gateway, feedback: FakeFeedback, overrides: dict[str, Any], code: int
) -> None:
    with pytest.raises(Open311Error) as caught:
        gateway.create(_form(**overrides), client="1.2.3.4", idempotency_header=None)

    assert caught.value.code == code
    assert feedback.submissions == []


# ---------------------------------------------------------------- reading


def test_requests_list_published_items_only_filtered_exactly_even_if_the_backend_is_loose(
    gateway: Open311Gateway, feedback: FakeFeedback
) -> None:
    # Given, in Giao Phong, an open item, two published ones and an old one; and one in Bạch Long
    feedback.items = [
        _feedback(id="a" * 32, status="received"),
        _published(id="b" * 32, field_code="environment", unit=Role.ENVIRONMENT),
        _published(id="e" * 32),
        _feedback(id="c" * 32, status="in_progress", created_at=NOW - timedelta(days=100)),
        _published(id="d" * 32, commune_id="bach-long"),
    ]

    def ids(query: dict[str, str]) -> list[str]:
        return [r["service_request_id"] for r in gateway.requests("giao-phong", query)]

    # Then only the published items of the last 90 days are listed, and status and service_code filter them
    assert ids({}) == ["b" * 32, "e" * 32]
    assert ids({"status": "closed"}) == ["b" * 32, "e" * 32]
    assert ids({"status": "open"}) == []
    assert ids({"service_code": "roads"}) == ["e" * 32]
    # and ids reach past the window and unpublished items (their status only), never into another commune
    listed = gateway.requests("giao-phong", {"service_request_id": f"{'c' * 32},{'d' * 32},{'e' * 32}"})
    assert sorted((r["service_request_id"], r["description"] is None) for r in listed) == [
        ("c" * 32, True),
        ("e" * 32, False),
    ]


def test_one_unpublished_request_shows_its_status_only(gateway: Open311Gateway, feedback: FakeFeedback) -> None:
    feedback.items = [_feedback(id="a" * 32, status="in_progress")]

    (shown,) = gateway.request("giao-phong", "a" * 32, extensions=True)

    assert (shown["status"], shown["extended_attributes"]) == ("open", {"sc_status": "in_progress"})
    assert (shown["description"], shown["lat"], shown["address"]) == (None, None, None)


def test_one_request_of_another_commune_is_not_found(gateway: Open311Gateway, feedback: FakeFeedback) -> None:
    feedback.items = [_published(id="d" * 32, commune_id="bach-long")]

    with pytest.raises(Open311Error) as caught:
        gateway.request("giao-phong", "d" * 32, extensions=False)

    assert caught.value.code == 404
    assert gateway.request("bach-long", "d" * 32, extensions=False)[0]["service_request_id"] == "d" * 32

"""Open311 GeoReport v2 on top of citizen feedback: the mapping, the input rules and the rendering.

GeoReport v2 (https://wiki.open311.org/GeoReport_v2) knows *services* (our feedback fields, lĩnh vực) and
*service requests* (our feedback items, phản ánh). This module is pure: it maps our records to the spec's
objects and back, validates what a client posts, and renders JSON and XML exactly as the spec lays them out.
:class:`Open311Gateway` strings the pieces together over ports that the wiring fills with the real
``FeedbackService``, key repository and rate limiter (``domain/wiring_open311.py``).

Our workflow has nine statuses; the spec has two (``open`` / ``closed``). The full status travels as the
documented ``extended_attributes`` extension (``extensions=true``) and in ``status_notes`` as text. See
``docs/open311.md``.
"""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from smartcommune.core.contracts import ROLE_LABELS_VI, VN_TZ, Role, normalize_phone
from smartcommune.core.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    SmartCommuneError,
    UnauthenticatedError,
)
from smartcommune.core.validation import problems_from

if TYPE_CHECKING:
    from smartcommune.communes.contracts import Commune
    from smartcommune.feedback.contracts import Feedback, FeedbackField

Format = Literal["json", "xml"]
FORMATS: Final[tuple[Format, ...]] = ("json", "xml")

JSON_CONTENT_TYPE: Final = "application/json; charset=utf-8"
XML_CONTENT_TYPE: Final = "application/xml; charset=utf-8"

# ---------------------------------------------------------------- status mapping

OPEN_STATUSES: Final[frozenset[str]] = frozenset({"received", "assigned", "in_progress"})
CLOSED_STATUSES: Final[frozenset[str]] = frozenset({"resolved", "approved", "published", "rejected", "duplicate"})

# What ``status_notes`` says for each workflow status, Vietnamese first.
STATUS_NOTES: Final[dict[str, tuple[str, str]]] = {
    "received": ("Đã tiếp nhận, đang chờ phân công", "Received, awaiting assignment"),
    "assigned": ("Đã chuyển bộ phận xử lý", "Assigned to a handling unit"),
    "in_progress": ("Đang xử lý", "In progress"),
    "resolved": ("Đã có kết quả xử lý, chờ phê duyệt", "Resolved, awaiting approval"),
    "approved": ("Kết quả xử lý đã được phê duyệt", "Result approved"),
    "published": ("Đã xử lý xong và công khai kết quả", "Resolved and published"),
    "rejected": ("Không tiếp nhận", "Rejected"),
    "duplicate": ("Trùng với phản ánh khác", "Duplicate of another request"),
}


def open311_status(status: str) -> Literal["open", "closed"]:
    """The spec's two-valued status for one of our workflow statuses."""
    if status in OPEN_STATUSES:
        return "open"
    if status in CLOSED_STATUSES:
        return "closed"
    raise ValueError(f"unknown feedback status {status!r}")


def statuses_for(open311: Literal["open", "closed"]) -> frozenset[str]:
    """Our workflow statuses that the spec's ``open`` or ``closed`` stands for."""
    return OPEN_STATUSES if open311 == "open" else CLOSED_STATUSES


# ---------------------------------------------------------------- the records we read (ports)


class FeedbackPort(Protocol):
    """The part of ``FeedbackService`` Open311 calls (``docs/feedback-contract.md``)."""

    def fields(self, commune_id: str) -> Sequence[FeedbackField]: ...

    def submit_from_open311(
        self,
        commune_id: str,
        *,
        field_code: str,
        description: str,
        title: str,
        lat: float | None,
        lon: float | None,
        address: str | None,
        email: str | None,
        phone: str | None,
        first_name: str | None,
        last_name: str | None,
        media_url: str | None,
        idempotency_key: str,
        api_client: str,
    ) -> Feedback: ...

    def get_public(self, commune_id: str, feedback_id: str) -> Feedback: ...

    def search_public(
        self,
        commune_id: str,
        *,
        service_code: str | None,
        status: str | None,
        start: datetime | None,
        end: datetime | None,
        ids: list[str] | None,
        limit: int,
    ) -> Sequence[Feedback]: ...


@dataclass(frozen=True)
class ApiKey:
    """One Open311 client's key, as stored (only its sha256 is kept)."""

    key_id: str
    commune_id: str
    label: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ApiKeyStore(Protocol):
    def verify(self, raw_key: str) -> ApiKey | None: ...


class CommuneDirectory(Protocol):
    def get(self, commune_id: str) -> Commune | None: ...

    def all_ids(self) -> list[str]: ...


class RateLimiter(Protocol):
    def hit(self, key: str, limit: int, window_s: int, now: datetime) -> int | None: ...


def key_hash(raw_key: str) -> str:
    """The sha256 (hex) a key is stored and looked up by; keys are random, so no salt is needed."""
    return hashlib.sha256(raw_key.encode()).hexdigest()


# ---------------------------------------------------------------- errors in the spec's format


class Open311Error(Exception):
    """An error the spec's way: an HTTP code and a description (Vietnamese, then English)."""

    def __init__(self, code: int, message: str, message_en: str, *, retry_after_s: int | None = None) -> None:
        super().__init__(message_en)
        self.code = code
        self.message = message
        self.message_en = message_en
        self.retry_after_s = retry_after_s

    @property
    def description(self) -> str:
        return f"{self.message} / {self.message_en}"


_SPEC_CODE_OF: Final[tuple[tuple[type[SmartCommuneError], int], ...]] = (
    (InvalidInputError, 400),
    (UnauthenticatedError, 403),
    (ForbiddenError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (RateLimitedError, 429),
)


def from_domain_error(error: SmartCommuneError) -> Open311Error:
    """Our domain error as an Open311 error (the spec uses 400 for every input problem)."""
    code = next((c for cls, c in _SPEC_CODE_OF if isinstance(error, cls)), 400)
    message, message_en = error.message, error.message_en
    if error.details:
        message += " " + "; ".join(f"{p.field}: {p.message}" for p in error.details)
        message_en += " " + "; ".join(f"{p.field}: {p.message_en}" for p in error.details)
    retry = error.retry_after_s if isinstance(error, RateLimitedError) else None
    return Open311Error(code, message, message_en, retry_after_s=retry)


def from_validation_error(exc: ValidationError) -> Open311Error:
    problems = problems_from(exc)
    return Open311Error(
        400,
        "Yêu cầu chưa hợp lệ: " + "; ".join(f"{p.field}: {p.message}" for p in problems),
        "Invalid request: " + "; ".join(f"{p.field}: {p.message_en}" for p in problems),
    )


# ---------------------------------------------------------------- rendering


_ITEM_OF: Final[dict[str, str]] = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
}


def _xml_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml_fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, child in value.items():
            _xml_fill(ET.SubElement(element, str(key)), child)
    elif isinstance(value, list | tuple):
        item_name = _ITEM_OF.get(element.tag, "item")
        for child in value:
            _xml_fill(ET.SubElement(element, item_name), child)
    else:
        element.text = _xml_text(value)


def render_xml(root: str, value: Any) -> bytes:
    """``value`` (a list of dicts, or a dict) as the spec's XML under ``root``, UTF-8 with a declaration.

    Lists become repeated elements named after their container (``services`` → ``service``, ``service_requests`` →
    ``request``, ``errors`` → ``error``, ``attributes`` → ``attribute``, ``values`` → ``value``); ``None`` becomes
    an empty element, booleans ``true``/``false``.
    """
    element = ET.Element(root)
    _xml_fill(element, value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8", xml_declaration=False)


def render_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Rendered:
    """A response ready for the wire."""

    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


def render(fmt: Format, root: str, value: Any, status: int = 200) -> Rendered:
    if fmt == "xml":
        return Rendered(status, render_xml(root, value), XML_CONTENT_TYPE)
    return Rendered(status, render_json(value), JSON_CONTENT_TYPE)


def render_error(fmt: Format, error: Open311Error) -> Rendered:
    """``[{"code": 403, "description": "..."}]`` or ``<errors><error><code>403</code>…`` with the HTTP status."""
    rendered = render(fmt, "errors", [{"code": error.code, "description": error.description}], error.code)
    if error.retry_after_s is not None:
        rendered.headers["Retry-After"] = str(error.retry_after_s)
    return rendered


def split_format(file_name: str) -> tuple[str, Format]:
    """``"abc.json"`` → ``("abc", "json")``; anything else is a 400 (rendered as JSON by the caller)."""
    stem, dot, ext = file_name.rpartition(".")
    if not dot or not stem or ext not in FORMATS:
        raise Open311Error(
            400,
            "Đường dẫn phải kết thúc bằng .json hoặc .xml.",
            "The path must end in .json or .xml.",
        )
    return stem, "json" if ext == "json" else "xml"


# ---------------------------------------------------------------- mapping: services


def service_code_of(f: FeedbackField) -> str:
    return f.open311_code or f.code


def _unit_label(unit: Role | str) -> str:
    try:
        return ROLE_LABELS_VI[Role(str(unit))]
    except ValueError:
        return str(unit)


def service_notice(f: FeedbackField) -> str:
    hours = int(f.deadline_hours)
    return f"Thời hạn xử lý {hours} giờ / To be handled within {hours} hours"


def service_view(f: FeedbackField) -> dict[str, Any]:
    """One GeoReport service for a feedback field, keys in the spec's order."""
    return {
        "service_code": service_code_of(f),
        "service_name": f.name,
        "description": f"{f.name} / {f.name_en}. {service_notice(f)}.",
        "metadata": True,
        "type": "realtime",
        "keywords": ", ".join(dict.fromkeys([f.code, f.name_en.lower(), f.name.lower()])),
        "group": _unit_label(f.unit),
    }


TITLE_ATTRIBUTE: Final = "title"
HAMLET_ATTRIBUTE: Final = "hamlet"


def service_definition(f: FeedbackField, commune: Commune) -> dict[str, Any]:
    """The service definition: optional attributes a client may send as ``attribute[<code>]``."""
    return {
        "service_code": service_code_of(f),
        "attributes": [
            {
                "variable": True,
                "code": TITLE_ATTRIBUTE,
                "datatype": "string",
                "required": False,
                "datatype_description": "5–150 ký tự / 5–150 characters",
                "order": 1,
                "description": "Tiêu đề ngắn của phản ánh / A short title for the request",
            },
            {
                "variable": True,
                "code": HAMLET_ATTRIBUTE,
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "Xóm nơi xảy ra sự việc / The hamlet where it happens",
                "order": 2,
                "description": "Xóm / Hamlet",
                "values": [{"key": h.id, "name": h.name} for h in commune.hamlets],
            },
        ],
    }


def active_fields(fields: Iterable[FeedbackField]) -> list[FeedbackField]:
    return [f for f in fields if f.active]


def find_field(fields: Iterable[FeedbackField], service_code: str) -> FeedbackField:
    """The active field whose service code (or plain code) is ``service_code``, else a 404."""
    for f in active_fields(fields):
        if service_code in (service_code_of(f), f.code):
            return f
    raise Open311Error(
        404,
        f"Không có dịch vụ (lĩnh vực) mã '{service_code}'.",
        f"There is no service with code '{service_code}'.",
    )


# ---------------------------------------------------------------- mapping: service requests


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 with Vietnam's offset: ``2026-11-29T08:00:00+07:00``."""
    if moment is None:
        return None
    return moment.astimezone(VN_TZ).isoformat(timespec="seconds")


def status_notes(feedback: Feedback) -> str:
    """The human text for the request's status: the status, then the result or the reason the citizen sees."""
    vi, en = STATUS_NOTES.get(feedback.status, (feedback.status, feedback.status))
    notes = f"{vi} / {en}"
    if feedback.status == "rejected" and feedback.rejection_reason:
        notes += f". Lý do / Reason: {feedback.rejection_reason}"
    elif feedback.status == "duplicate" and feedback.duplicate_of:
        notes += f": {feedback.duplicate_of}"
    elif feedback.status in {"resolved", "approved", "published"} and feedback.result:
        notes += f". Kết quả / Result: {feedback.result}"
    return notes


def _address(feedback: Feedback, commune: Commune) -> str:
    parts: list[str] = [feedback.address] if feedback.address else []
    hamlet = commune.hamlet(feedback.hamlet_id) if feedback.hamlet_id else None
    if hamlet is not None and hamlet.name not in (feedback.address or ""):
        parts.append(hamlet.name)
    parts.append(commune.name)
    return ", ".join(parts)


def request_view(
    feedback: Feedback, fields_by_code: Mapping[str, FeedbackField], commune: Commune, *, extensions: bool = False
) -> dict[str, Any]:
    """One GeoReport service request, keys in the spec's order, with no personal data.

    Only the issue is described: what, where, when and how far it is handled. No citizen id, name, phone, e-mail
    or CCCD is read here, and photos the citizen uploaded privately are not linked.
    """
    f = fields_by_code.get(feedback.field_code)
    view: dict[str, Any] = {
        "service_request_id": feedback.id,
        "status": open311_status(feedback.status),
        "status_notes": status_notes(feedback),
        "service_name": f.name if f is not None else feedback.field_code,
        "service_code": service_code_of(f) if f is not None else feedback.field_code,
        "description": feedback.description,
        "agency_responsible": _unit_label(feedback.unit),
        "service_notice": service_notice(f) if f is not None else None,
        "requested_datetime": iso(feedback.created_at),
        "updated_datetime": iso(feedback.updated_at),
        "expected_datetime": iso(feedback.deadline_at),
        "address": _address(feedback, commune),
        "address_id": None,
        "zipcode": None,
        "lat": feedback.location.lat if feedback.location else None,
        "long": feedback.location.lon if feedback.location else None,
        "media_url": feedback.media_url,
    }
    if extensions:
        view["extended_attributes"] = {
            "sc_status": feedback.status,
            "sc_unit": feedback.unit.value,
            "sc_tracking_code": feedback.tracking_code,
            "sc_title": feedback.title,
            "sc_hamlet": feedback.hamlet_id,
            "sc_channel": feedback.channel,
        }
    return view


# ---------------------------------------------------------------- input: POST requests

# Vietnam's bounding box, mainland and the islands it administers (Bạch Long Vĩ to Trường Sa).
VN_LAT: Final = (6.0, 24.0)
VN_LON: Final = (101.0, 118.0)
MAX_DESCRIPTION: Final = 4000
MAX_FORM_BYTES: Final = 64 * 1024  # 4,000 Vietnamese characters take up to 36 KB percent-encoded
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")


class PostRequestForm(BaseModel):
    """``POST requests`` parameters (spec names), validated; ``attribute[<code>]`` arrive in ``attributes``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    api_key: str = Field(min_length=1, max_length=200)
    jurisdiction_id: str | None = Field(default=None, max_length=40)
    service_code: str = Field(min_length=1, max_length=40)
    lat: float | None = Field(default=None, ge=VN_LAT[0], le=VN_LAT[1])
    long: float | None = Field(default=None, ge=VN_LON[0], le=VN_LON[1])
    address_string: str | None = Field(default=None, max_length=250)
    address_id: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=254)
    device_id: str | None = Field(default=None, max_length=100)
    account_id: str | None = Field(default=None, max_length=100)
    first_name: str | None = Field(default=None, max_length=60)
    last_name: str | None = Field(default=None, max_length=60)
    phone: str | None = Field(default=None, max_length=20)
    description: str = Field(min_length=10, max_length=MAX_DESCRIPTION)
    media_url: str | None = Field(default=None, max_length=1000)
    attributes: dict[str, str] = Field(default_factory=dict, max_length=10)

    @field_validator(
        "jurisdiction_id",
        "address_string",
        "address_id",
        "email",
        "device_id",
        "account_id",
        "first_name",
        "last_name",
        "phone",
        "media_url",
        mode="before",
    )
    @classmethod
    def _blank_is_absent(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError("email")
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return normalize_phone(value) if value is not None else None

    @field_validator("media_url")
    @classmethod
    def _media(cls, value: str | None) -> str | None:
        if value is None:
            return None
        https = re.fullmatch(r"https://[A-Za-z0-9.-]+(:\d+)?(/[^\s]*)?", value)
        same_origin = value.startswith("/") and not value.startswith("//") and not re.search(r"\s", value)
        if not (https or same_origin):
            raise ValueError("media_url")
        return value

    @field_validator("attributes")
    @classmethod
    def _attributes(cls, value: dict[str, str]) -> dict[str, str]:
        for key, text in value.items():
            if len(key) > 40 or len(text) > 500:
                raise ValueError("attribute")
        return value

    @model_validator(mode="after")
    def _location(self) -> PostRequestForm:
        if (self.lat is None) != (self.long is None):
            raise ValueError("lat_long")
        if self.lat is None and not self.address_string and not self.address_id:
            raise ValueError("location")
        return self


_FORM_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "email": ("Địa chỉ email không hợp lệ", "not a valid e-mail address"),
    "media_url": (
        "media_url phải là địa chỉ https:// hoặc đường dẫn cùng nguồn (bắt đầu bằng /)",
        "media_url must be an https:// URL or a same-origin path (starting with /)",
    ),
    "attribute": ("Thuộc tính quá dài", "an attribute is too long"),
    "lat_long": ("Cần có cả lat và long", "lat and long must be given together"),
    "location": (
        "Cần vị trí: lat và long, hoặc address_string, hoặc address_id",
        "a location is required: lat and long, or address_string, or address_id",
    ),
}


def _form_error(exc: ValidationError) -> Open311Error:
    parts_vi: list[str] = []
    parts_en: list[str] = []
    problems = problems_from(exc)
    for error, problem in zip(exc.errors(include_url=False), problems, strict=True):
        key = str((error.get("ctx") or {}).get("error", ""))
        name = problem.field if problem.field not in {"", "body"} else "request"
        if key in _FORM_MESSAGES:
            vi, en = _FORM_MESSAGES[key]
            parts_vi.append(vi if name == "request" else f"{name}: {vi}")
            parts_en.append(en if name == "request" else f"{name}: {en}")
        elif error["type"] in {"greater_than_equal", "less_than_equal"} and name in {"lat", "long"}:
            parts_vi.append(f"{name}: vị trí phải nằm trong lãnh thổ Việt Nam")
            parts_en.append(f"{name}: the location must be inside Vietnam")
        else:
            parts_vi.append(f"{name}: {problem.message}")
            parts_en.append(f"{name}: {problem.message_en}")
    return Open311Error(400, "Yêu cầu chưa hợp lệ: " + "; ".join(parts_vi), "Invalid request: " + "; ".join(parts_en))


_ATTRIBUTE = re.compile(r"^attribute\[([^\]]{1,40})\]$")


def form_fields(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """Spec parameters from form pairs (or a JSON object's items): ``attribute[x]=v`` → ``attributes["x"]``."""
    values: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    for key, value in pairs:
        match = _ATTRIBUTE.match(key)
        if match:
            attributes[match.group(1)] = value
        elif key == "attribute" and isinstance(value, Mapping):
            attributes.update(value)
        else:
            values[key] = value
    if attributes:
        values["attributes"] = attributes
    return values


def parse_post(body: bytes | None, content_type: str | None) -> dict[str, Any]:
    """The raw parameters of ``POST requests``: form-encoded as the spec says, or a JSON object."""
    from urllib.parse import parse_qsl

    if body is not None and len(body) > MAX_FORM_BYTES:
        raise Open311Error(
            413,
            f"Yêu cầu quá lớn (tối đa {MAX_FORM_BYTES // 1024} KB).",
            f"The request is too large (at most {MAX_FORM_BYTES // 1024} KB).",
        )
    try:
        text = (body or b"").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Open311Error(400, "Nội dung phải mã hóa UTF-8.", "The body must be UTF-8.") from exc
    if (content_type or "").split(";")[0].strip().lower() == "application/json":
        try:
            data = json.loads(text or "null")
        except json.JSONDecodeError as exc:
            raise Open311Error(400, "JSON không hợp lệ.", "The body is not valid JSON.") from exc
        if not isinstance(data, dict):
            raise Open311Error(400, "Cần một đối tượng JSON.", "A JSON object is required.")
        return form_fields(data.items())
    try:
        return form_fields(parse_qsl(text, keep_blank_values=True, max_num_fields=60))
    except ValueError as exc:
        raise Open311Error(400, "Biểu mẫu quá nhiều trường.", "Too many form fields.") from exc


def validate_post(params: Mapping[str, Any]) -> PostRequestForm:
    try:
        return PostRequestForm.model_validate(dict(params))
    except ValidationError as exc:
        raise _form_error(exc) from exc


def derive_title(description: str, given: str | None, field_name: str) -> str:
    """The title our records need (5–150 characters): the client's, else the description's first sentence."""
    if given and 5 <= len(given.strip()) <= 150:
        return given.strip()
    first = re.split(r"(?<=[.!?])\s|\n", description.strip(), maxsplit=1)[0].strip()
    if len(first) > 150:
        cut = first[:147].rsplit(" ", 1)[0] if " " in first[:147] else first[:147]
        first = cut.rstrip(" ,;:") + "…"
    return first if len(first) >= 5 else f"{field_name}: {description.strip()[:120]}"


def idempotency_key_for(api_key_id: str, form: PostRequestForm, header: str | None) -> str:
    """The client's ``Idempotency-Key`` header, else a digest of the key and the whole form.

    GeoReport has no idempotency key; a client that retries a POST after a timeout sends the same form again,
    so the same key plus the same form means the same request (one record).
    """
    if header and 8 <= len(header) <= 64:
        source = f"header|{header}"
    else:
        payload = form.model_dump(exclude={"api_key"}, mode="json")
        source = "form|" + json.dumps(payload, sort_keys=True, ensure_ascii=False)
    return f"o311-{api_key_id}-" + hashlib.sha256(source.encode()).hexdigest()[:40]


# ---------------------------------------------------------------- input: GET requests

MAX_SPAN: Final = timedelta(days=90)
MAX_RESULTS: Final = 1000
MAX_IDS: Final = 50


def parse_moment(name: str, raw: str) -> datetime:
    """An ISO 8601 date-time (``Z`` or an offset; none means Vietnam's time) or a date (its start, in Vietnam)."""
    text = raw.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return datetime.combine(date.fromisoformat(text), time(0), tzinfo=VN_TZ)
        moment = datetime.fromisoformat(text.replace(" ", "+") if re.search(r"T.* \d\d:\d\d$", text) else text)
    except ValueError as exc:
        raise Open311Error(
            400,
            f"{name}: thời điểm không hợp lệ, cần ISO 8601 (ví dụ 2026-11-29T08:00:00+07:00).",
            f"{name}: invalid date-time, ISO 8601 expected (e.g. 2026-11-29T08:00:00+07:00).",
        ) from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=VN_TZ)


@dataclass(frozen=True)
class RequestQuery:
    """``GET requests`` filters after the spec's defaults are applied."""

    ids: list[str] | None
    service_code: str | None
    status: Literal["open", "closed"] | None
    start: datetime | None
    end: datetime | None
    extensions: bool


def _flag(query: Mapping[str, str], name: str) -> bool:
    return query.get(name, "").strip().lower() in {"true", "1", "yes"}


def parse_request_query(query: Mapping[str, str], now: datetime) -> RequestQuery:
    """The spec's filters: ``service_request_id`` (comma list, overrides the rest), ``service_code``,
    ``start_date``/``end_date`` (at most 90 days apart; by default the last 90 days), ``status`` (open|closed).
    """
    extensions = _flag(query, "extensions")
    raw_ids = query.get("service_request_id", "").strip()
    if raw_ids:
        ids = list(dict.fromkeys(i.strip() for i in raw_ids.split(",") if i.strip()))
        if len(ids) > MAX_IDS or any(not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", i) for i in ids):
            raise Open311Error(
                400,
                f"service_request_id: tối đa {MAX_IDS} mã, phân tách bằng dấu phẩy.",
                f"service_request_id: at most {MAX_IDS} ids, comma separated.",
            )
        return RequestQuery(ids, None, None, None, None, extensions)
    raw_status = query.get("status", "").strip().lower()
    status: Literal["open", "closed"] | None = None
    if raw_status in {"open", "closed"}:
        status = "open" if raw_status == "open" else "closed"
    elif raw_status:
        raise Open311Error(400, "status phải là open hoặc closed.", "status must be open or closed.")
    start = parse_moment("start_date", query["start_date"]) if query.get("start_date") else None
    end = parse_moment("end_date", query["end_date"]) if query.get("end_date") else None
    if start is None and end is None:
        end = now
        start = now - MAX_SPAN
    elif start is None:
        assert end is not None
        start = end - MAX_SPAN
    elif end is None:
        end = start + MAX_SPAN
    if end < start:
        raise Open311Error(400, "end_date phải sau start_date.", "end_date must be after start_date.")
    if end - start > MAX_SPAN:
        raise Open311Error(
            400,
            "Khoảng start_date–end_date không được quá 90 ngày.",
            "start_date and end_date may not span more than 90 days.",
        )
    code = query.get("service_code", "").strip() or None
    return RequestQuery(None, code, status, start, end, extensions)


def matches(feedback: Feedback, q: RequestQuery, field_code: str | None) -> bool:
    """Whether one record passes the filters (the backend filters too; this keeps the answer exact)."""
    if q.ids is not None:
        return feedback.id in q.ids
    if field_code is not None and feedback.field_code != field_code:
        return False
    if q.status is not None and open311_status(feedback.status) != q.status:
        return False
    created = feedback.created_at
    return not (q.start is not None and created < q.start) and not (q.end is not None and created > q.end)


# ---------------------------------------------------------------- the gateway


@dataclass(frozen=True)
class Open311Limits:
    posts_per_key_per_minute: int = 30
    bad_keys_per_client_per_minute: int = 20


class Open311Gateway:
    """The GeoReport v2 operations over our feedback service; every method raises :class:`Open311Error`."""

    def __init__(
        self,
        *,
        feedback: FeedbackPort,
        keys: ApiKeyStore,
        communes: CommuneDirectory,
        rates: RateLimiter,
        clock: Callable[[], datetime],
        limits: Open311Limits | None = None,
    ) -> None:
        self._feedback = feedback
        self._keys = keys
        self._communes = communes
        self._rates = rates
        self._clock = clock
        self._limits = limits or Open311Limits()

    # -- which commune

    def jurisdiction(self, jurisdiction_id: str | None) -> Commune:
        """The commune a GET is about: ``jurisdiction_id``, which may be left out only if there is one commune."""
        wanted = (jurisdiction_id or "").strip()
        if not wanted:
            ids = self._communes.all_ids()
            if len(ids) != 1:
                raise Open311Error(
                    400,
                    "Thiếu jurisdiction_id (mã xã, ví dụ giao-phong).",
                    "jurisdiction_id (the commune id, e.g. giao-phong) is required.",
                )
            wanted = ids[0]
        commune = self._communes.get(wanted) if re.fullmatch(r"[a-z0-9][a-z0-9-]{1,39}", wanted) else None
        if commune is None:
            raise Open311Error(
                400,
                f"Không có xã nào với jurisdiction_id '{wanted}'.",
                f"Unknown jurisdiction_id '{wanted}'.",
            )
        return commune

    # -- services

    def _fields(self, commune_id: str) -> list[FeedbackField]:
        return active_fields(self._feedback.fields(commune_id))

    def services(self, jurisdiction_id: str | None) -> list[dict[str, Any]]:
        commune = self.jurisdiction(jurisdiction_id)
        return [service_view(f) for f in self._fields(commune.id)]

    def service_definition(self, jurisdiction_id: str | None, service_code: str) -> dict[str, Any]:
        commune = self.jurisdiction(jurisdiction_id)
        return service_definition(find_field(self._fields(commune.id), service_code), commune)

    # -- requests

    def requests(self, jurisdiction_id: str | None, query: Mapping[str, str]) -> list[dict[str, Any]]:
        commune = self.jurisdiction(jurisdiction_id)
        q = parse_request_query(query, self._clock())
        fields = self._feedback.fields(commune.id)
        field_code = find_field(fields, q.service_code).code if q.service_code else None
        try:
            found = self._feedback.search_public(
                commune.id,
                service_code=field_code,
                status=q.status,
                start=q.start,
                end=q.end,
                ids=q.ids,
                limit=MAX_RESULTS,
            )
        except SmartCommuneError as error:
            raise from_domain_error(error) from error
        by_code = {f.code: f for f in fields}
        return [
            request_view(item, by_code, commune, extensions=q.extensions)
            for item in found
            if matches(item, q, field_code)
        ][:MAX_RESULTS]

    def request(self, jurisdiction_id: str | None, request_id: str, extensions: bool) -> list[dict[str, Any]]:
        commune = self.jurisdiction(jurisdiction_id)
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", request_id):
            raise Open311Error(404, "Không tìm thấy yêu cầu.", "No such service request.")
        try:
            item = self._feedback.get_public(commune.id, request_id)
        except NotFoundError as error:
            raise Open311Error(404, "Không tìm thấy yêu cầu.", "No such service request.") from error
        by_code = {f.code: f for f in self._feedback.fields(commune.id)}
        return [request_view(item, by_code, commune, extensions=extensions)]

    # -- creating

    def authorise(self, raw_key: str | None, client: str) -> ApiKey:
        """The active key ``raw_key`` names, else a 403 (and too many bad keys from one client → 429)."""
        key = self._keys.verify(raw_key) if raw_key else None
        if key is not None and key.active:
            return key
        retry = self._rates.hit(
            f"open311-badkey#{key_hash(client)[:24]}", self._limits.bad_keys_per_client_per_minute, 60, self._clock()
        )
        if retry is not None:
            raise Open311Error(
                429,
                "Quá nhiều lần thử api_key sai, vui lòng thử lại sau.",
                "Too many invalid api_key attempts; try again later.",
                retry_after_s=retry,
            )
        raise Open311Error(
            403,
            "api_key không hợp lệ hoặc đã bị thu hồi — không thể tạo yêu cầu.",
            "Invalid api_key received -- can't proceed with create_request.",
        )

    def create(self, params: Mapping[str, Any], *, client: str, idempotency_header: str | None) -> list[dict[str, Any]]:
        """``POST requests``: the key names the commune; answers the new request's id and notice."""
        raw_key = params.get("api_key")
        key = self.authorise(raw_key if isinstance(raw_key, str) else None, client)
        jurisdiction = params.get("jurisdiction_id")
        if isinstance(jurisdiction, str) and jurisdiction.strip() and jurisdiction.strip() != key.commune_id:
            raise Open311Error(
                403,
                "api_key này không dùng được cho jurisdiction_id đã gửi.",
                "This api_key is not valid for the jurisdiction_id given.",
            )
        form = validate_post(params)
        retry = self._rates.hit(f"open311-post#{key.key_id}", self._limits.posts_per_key_per_minute, 60, self._clock())
        if retry is not None:
            raise Open311Error(
                429,
                "Gửi quá nhiều yêu cầu, vui lòng thử lại sau.",
                "Too many requests with this api_key; try again later.",
                retry_after_s=retry,
            )
        commune = self._communes.get(key.commune_id)
        if commune is None:  # pragma: no cover - a key outlives its commune only by operator error
            raise Open311Error(403, "api_key không hợp lệ.", "Invalid api_key.")
        fields = self._fields(commune.id)
        f = find_field(fields, form.service_code)
        hamlet_id = form.attributes.get(HAMLET_ATTRIBUTE)
        hamlet = commune.hamlet(hamlet_id) if hamlet_id else None
        if hamlet_id and hamlet is None:
            raise Open311Error(
                400,
                f"attribute[hamlet]: không có xóm '{hamlet_id}'.",
                f"attribute[hamlet]: unknown hamlet '{hamlet_id}'.",
            )
        address = ", ".join(p for p in (form.address_string, hamlet.name if hamlet else None) if p) or None
        try:
            created = self._feedback.submit_from_open311(
                commune.id,
                field_code=f.code,
                description=form.description,
                title=derive_title(form.description, form.attributes.get(TITLE_ATTRIBUTE), f.name),
                lat=form.lat,
                lon=form.long,
                address=address,
                email=form.email,
                phone=form.phone,
                first_name=form.first_name,
                last_name=form.last_name,
                media_url=form.media_url,
                idempotency_key=idempotency_key_for(key.key_id, form, idempotency_header),
                api_client=key.label,
            )
        except SmartCommuneError as error:
            raise from_domain_error(error) from error
        return [{"service_request_id": created.id, "service_notice": service_notice(f), "account_id": None}]

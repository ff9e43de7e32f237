"""Open311 GeoReport v2 input of ``POST requests``: parsing the form (or a JSON object), validating it with the
spec's parameter names, the title our records need, and the idempotency key of a retried post.

Its own room because a client's post is untrusted input: its limits (size, Vietnam's bounding box, e-mail, media
URL) and the bilingual messages for each refusal are reviewed together here.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from smartcommune.core.contracts import normalize_phone
from smartcommune.core.validation import problems_from
from smartcommune.feedback.logic.open311_formats import Open311Error

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

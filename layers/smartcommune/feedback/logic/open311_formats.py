"""Open311 GeoReport v2 on the wire: the two formats, errors the spec's way, and rendering JSON and XML exactly as
the spec lays them out.

Its own room because everything the gateway and the routes answer passes through here, and the XML rules (element
names of list items, empty elements, booleans) are easiest to check in one place. See ``docs/open311.md``.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

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
    from pydantic import ValidationError

Format = Literal["json", "xml"]
FORMATS: Final[tuple[Format, ...]] = ("json", "xml")

JSON_CONTENT_TYPE: Final = "application/json; charset=utf-8"
XML_CONTENT_TYPE: Final = "application/xml; charset=utf-8"

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

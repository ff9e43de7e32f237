"""Open311 GeoReport v2 mapping: our nine workflow statuses to the spec's two, feedback fields (lĩnh vực) to
*services*, and feedback items (phản ánh) to *service requests*, with no personal data.

Its own room because this is where our records meet the spec's objects: which keys, in which order, and what is
left out. The full status travels as the documented ``extended_attributes`` extension (``extensions=true``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Literal

from smartcommune.core.contracts import ROLE_LABELS_VI, VN_TZ, Role
from smartcommune.feedback.logic.open311_formats import Open311Error

if TYPE_CHECKING:
    from smartcommune.communes.contracts import Commune
    from smartcommune.feedback.contracts.records import Feedback, FeedbackField

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

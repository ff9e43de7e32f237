"""Open311 GeoReport v2 mapping: our nine workflow statuses to the spec's two, feedback fields (lĩnh vực) to
*services*, and feedback items (phản ánh) to *service requests*, with no personal data.

Its own room because this is where our records meet the spec's objects: which keys, in which order, and what is
left out. A published item is described from the portal's public projection
(:class:`~smartcommune.feedback.contracts.views.PublicFeedback`) with a coarse location; any other item shows only
its status. The full status travels as the documented ``extended_attributes`` extension (``extensions=true``).
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
    from smartcommune.feedback.contracts.views import PublicFeedback

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


def status_notes(status: str, result: str | None = None) -> str:
    """The human text for a status; a published item adds its result (reasons of a rejection stay private)."""
    vi, en = STATUS_NOTES.get(status, (status, status))
    notes = f"{vi} / {en}"
    if status in {"resolved", "approved", "published"} and result:
        notes += f". Kết quả / Result: {result}"
    return notes


def is_published(feedback: Feedback) -> bool:
    """Whether the item is on the public portal, and so may be described to everyone."""
    return feedback.status == "published" and feedback.published_at is not None


# About 1.1 km of latitude: the neighbourhood of a report, never the house it was made from.
COARSE_DECIMALS: Final = 2


def coarse_point(feedback: Feedback) -> tuple[float, float] | None:
    """The item's place rounded to :data:`COARSE_DECIMALS`; none at all if the citizen asked to stay anonymous."""
    if feedback.anonymous_public or feedback.location is None:
        return None
    return round(feedback.location.lat, COARSE_DECIMALS), round(feedback.location.lon, COARSE_DECIMALS)


def _address(hamlet_id: str | None, commune: Commune) -> str:
    hamlet = commune.hamlet(hamlet_id) if hamlet_id else None
    return ", ".join([hamlet.name, commune.name] if hamlet is not None else [commune.name])


_EMPTY_REQUEST: Final[tuple[str, ...]] = (
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
)


def request_view(
    public: PublicFeedback,
    fields_by_code: Mapping[str, FeedbackField],
    commune: Commune,
    *,
    point: tuple[float, float] | None = None,
    extensions: bool = False,
) -> dict[str, Any]:
    """One published GeoReport service request, keys in the spec's order, from the portal's public projection.

    Only what the public portal shows: the issue, its hamlet, its result. The location is the hamlet and, at most,
    ``point`` (see :func:`coarse_point`); no citizen, no reporter, no address the reporter typed, no photos.
    """
    f = fields_by_code.get(public.field_code)
    view: dict[str, Any] = dict.fromkeys(_EMPTY_REQUEST)
    view.update(
        service_request_id=public.id,
        status=open311_status(public.status),
        status_notes=status_notes(public.status, public.result),
        service_name=public.field_name,
        service_code=service_code_of(f) if f is not None else public.field_code,
        description=public.description,
        agency_responsible=_unit_label(f.unit) if f is not None else None,
        service_notice=service_notice(f) if f is not None else None,
        requested_datetime=iso(public.created_at),
        updated_datetime=iso(public.published_at or public.resolved_at or public.created_at),
        address=_address(public.hamlet_id, commune),
        lat=point[0] if point is not None else None,
        long=point[1] if point is not None else None,
    )
    if extensions:
        view["extended_attributes"] = {
            "sc_status": public.status,
            "sc_tracking_code": public.tracking_code,
            "sc_title": public.title,
            "sc_hamlet": public.hamlet_id,
        }
    return view


def status_view(feedback: Feedback, *, extensions: bool = False) -> dict[str, Any]:
    """A request that is not published: its id, its status and when it changed — nothing it says or where.

    Whoever holds the id (the client that posted it, the citizen) can follow it; its details reach the public only
    once the commune publishes it (:func:`request_view`).
    """
    view: dict[str, Any] = dict.fromkeys(_EMPTY_REQUEST)
    view.update(
        service_request_id=feedback.id,
        status=open311_status(feedback.status),
        status_notes=status_notes(feedback.status),
        requested_datetime=iso(feedback.created_at),
        updated_datetime=iso(feedback.updated_at),
    )
    if extensions:
        view["extended_attributes"] = {"sc_status": feedback.status}
    return view

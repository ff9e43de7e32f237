"""The public CAP 1.2 feed: every public alert as a CAP document at a stable URL, listed in Atom indexes.

``/cap/<commune>/<bulletin>.xml`` is the alert's latest message; ``/cap/<commune>/<bulletin>-<n>.xml`` its n-th
(the first an Alert, later ones Update or Cancel with ``references``). ``/cap/index.atom`` lists every commune's
messages, ``/cap/<commune>/index.atom`` one commune's.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from smartcommune.core.api.http import ApiResponse
from smartcommune.core.api.router import PUBLIC, router
from smartcommune.core.errors import NotFoundError

if TYPE_CHECKING:
    from smartcommune.broadcast.contracts import Bulletin, PublishedMessage
    from smartcommune.broadcast.logic.service import BulletinService
    from smartcommune.core.api.http import ApiRequest

TAGS = ("cap",)
_FILE = re.compile(r"^(?P<bulletin>[0-9a-f]{32})(?:-(?P<seq>[1-9]\d{0,3}))?\.xml$")
XML_HEADERS = {"Content-Type": "application/xml; charset=utf-8", "Cache-Control": "public, max-age=60"}
ATOM_HEADERS = {"Content-Type": "application/atom+xml; charset=utf-8", "Cache-Control": "public, max-age=60"}
ATOM_LIMIT = 50


def _service(request: ApiRequest) -> BulletinService:
    from smartcommune.broadcast.wiring import bulletin_service

    return request.services.get(bulletin_service)


def _not_found() -> NotFoundError:
    return NotFoundError("Không tìm thấy cảnh báo này.", "No such alert.")


def _document(request: ApiRequest, bulletin: Bulletin, message: PublishedMessage) -> bytes:
    from smartcommune.broadcast.logic.cap import CapContext, render_alert
    from smartcommune.broadcast.logic.targets import area_description

    commune = _service(request).commune(bulletin.commune_id)
    base = request.services.settings.public_base_url
    context = CapContext(base_url=base, area_desc=area_description(commune, bulletin.hamlets))
    return render_alert(bulletin, message, context)


def _atom(request: ApiRequest, commune_id: str | None) -> ApiResponse:
    from smartcommune.broadcast.logic.cap import AtomEntry, alert_file, identifier_of, render_atom
    from smartcommune.broadcast.wiring import bulletin_repository

    base = request.services.settings.public_base_url
    service = _service(request)
    if commune_id is not None:
        service.commune(commune_id)  # 404 for an unknown commune
    rows = request.services.get(bulletin_repository).messages(commune_id, ATOM_LIMIT)
    entries = [
        AtomEntry(
            identifier=identifier_of(b.commune_id, b.id, m.seq),
            title=f"[{m.msg_type}] {b.headline}",
            updated=m.sent,
            link=f"{base}/cap/{b.commune_id}/{alert_file(b.id, m.seq)}",
            summary=b.text[:300],
            author=b.origin_name or b.commune_id,
        )
        for b, m in rows
    ]
    path = f"/cap/{commune_id}/index.atom" if commune_id else "/cap/index.atom"
    title = f"Cảnh báo CAP - {commune_id}" if commune_id else "Cảnh báo CAP - SmartCommune"
    body = render_atom(f"{base or 'urn:smartcommune'}{path}", title, f"{base}{path}", entries, request.services.clock())
    return ApiResponse(body, headers=ATOM_HEADERS)


@router.route(
    "GET",
    "/cap/index.atom",
    allow=PUBLIC,
    summary="Atom index of every commune's CAP alerts",
    tags=TAGS,
    produces=("application/atom+xml",),
)
def cap_index(request: ApiRequest) -> ApiResponse:
    return _atom(request, None)


@router.route(
    "GET",
    "/cap/{commune_id}/index.atom",
    allow=PUBLIC,
    summary="Atom index of one commune's CAP alerts",
    tags=TAGS,
    produces=("application/atom+xml",),
)
def cap_commune_index(request: ApiRequest) -> ApiResponse:
    return _atom(request, _commune_in_path(request))


@router.route(
    "GET",
    "/cap/{commune_id}/{alert_file}",
    allow=PUBLIC,
    summary="One alert as a CAP 1.2 document: <bulletin>.xml (latest message) or <bulletin>-<n>.xml",
    tags=TAGS,
    produces=("application/xml",),
)
def cap_alert(request: ApiRequest) -> ApiResponse:
    from smartcommune.broadcast.wiring import bulletin_repository

    match = _FILE.match(request.path_params["alert_file"])
    if match is None:
        raise _not_found()
    commune_id, bulletin_id = _commune_in_path(request), match["bulletin"]
    store = request.services.get(bulletin_repository)
    if match["seq"] is None:
        latest = store.get(commune_id, bulletin_id) if re.fullmatch(r"[a-z0-9-]{2,40}", commune_id) else None
        if latest is None or not latest.messages:
            raise _not_found()
        seq = latest.messages[-1].seq
    else:
        seq = int(match["seq"])
    bulletin = store.message(commune_id, bulletin_id, seq) if re.fullmatch(r"[a-z0-9-]{2,40}", commune_id) else None
    if bulletin is None:
        raise _not_found()
    return ApiResponse(_document(request, bulletin, bulletin.messages[seq - 1]), headers=XML_HEADERS)


def _commune_in_path(request: ApiRequest) -> str:
    """The path's commune id, resolved through mergers (an old commune's links keep answering)."""
    from smartcommune.communes.wiring import current_commune_id

    return current_commune_id(request.services, request.path_params["commune_id"])

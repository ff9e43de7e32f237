"""Public facts about a commune that every page needs (name, hamlets)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smartcommune.communes.contracts import Commune
from smartcommune.core.api.router import PUBLIC, router
from smartcommune.core.errors import NotFoundError

if TYPE_CHECKING:
    from smartcommune.core.api.http import ApiRequest


@router.route(
    "GET",
    "/communes/{commune_id}",
    allow=PUBLIC,
    response=Commune,
    tags=("communes",),
    summary="A commune's public profile and its hamlets",
)
def get_commune(request: ApiRequest) -> Commune:
    from smartcommune.communes.wiring import commune_repository

    commune = request.services.get(commune_repository).get(request.path_params["commune_id"])
    if commune is None:
        raise NotFoundError("Không tìm thấy xã này.", "No such commune.")
    return commune

"""Public facts about a commune that every page needs (name, hamlets)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smartcommune.api.router import PUBLIC, router
from smartcommune.errors import NotFoundError
from smartcommune.models.commune import Commune

if TYPE_CHECKING:
    from smartcommune.api.http import ApiRequest


@router.route(
    "GET",
    "/communes/{commune_id}",
    allow=PUBLIC,
    response=Commune,
    tags=("communes",),
    summary="A commune's public profile and its hamlets",
)
def get_commune(request: ApiRequest) -> Commune:
    from smartcommune.domain.wiring import commune_repository

    commune = request.services.get(commune_repository).get(request.path_params["commune_id"])
    if commune is None:
        raise NotFoundError("Không tìm thấy xã này.", "No such commune.")
    return commune

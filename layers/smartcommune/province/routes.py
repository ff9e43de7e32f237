"""The province's signed API over HTTP, under ``/province/v1/``: no session, no role — every handler first has the
request's SigV4 signature verified (``wiring.province_gate``), then reads only communes of the client's province.

Declared ``allow=SIGNED``: dispatch refuses any session token with 401, and in AWS the API Gateway method carries
AWS_IAM authorisation (``app.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smartcommune.core.api.router import SIGNED, router
from smartcommune.province.contracts import EntitledCommune, EntitledCommunes

if TYPE_CHECKING:
    from smartcommune.core.api.http import ApiRequest
    from smartcommune.province.contracts import ProvinceClient

TAGS = ("province",)
API_PREFIX = "/api"  # the stage behind API Gateway, the path prefix the local edge strips


def signed_client(request: ApiRequest) -> ProvinceClient:
    """The province client that signed ``request``, or 401."""
    from smartcommune.province.logic.sigv4 import SignedRequest
    from smartcommune.province.wiring import province_gate

    raw = request.raw
    path = raw.url_path or _fill(raw.path, raw.path_params)
    # The client signed the URL it called: through the edge (or API Gateway's stage) that is /api/…, directly /….
    paths = (path,) if path.startswith(API_PREFIX + "/") else (path, API_PREFIX + path)
    signed = SignedRequest(method=raw.method, paths=paths, headers=raw.headers, query=raw.query, body=raw.body or b"")
    return request.services.get(province_gate).authenticate(signed, raw.caller_arn)


def _fill(template: str, params: dict[str, str]) -> str:
    for name, value in params.items():
        template = template.replace("{" + name + "}", value)
    return template


@router.route(
    "GET",
    "/province/v1/communes",
    allow=SIGNED,
    summary="The communes the signing province client may read (its province's)",
    response=EntitledCommunes,
    tags=TAGS,
)
def province_communes(request: ApiRequest) -> EntitledCommunes:
    from smartcommune.province.wiring import province_gate

    client = signed_client(request)
    communes = request.services.get(province_gate).communes(client)
    return EntitledCommunes(
        province_id=client.province_id,
        communes=[
            EntitledCommune.model_validate(c.model_dump(include=set(EntitledCommune.model_fields))) for c in communes
        ],
    )

"""Factories of the province API (imports inside the functions: cold starts)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune.core.api.http import RawRequest
    from smartcommune.core.services import Services
    from smartcommune.province.contracts import ProvinceClient
    from smartcommune.province.logic.access import ProvinceGate
    from smartcommune.province.logic.clients import ProvinceClients
    from smartcommune.province.logic.reads import ReportRequests
    from smartcommune.province.storage import IdempotencyClaims, ProvinceClientRepository


def client_repository(services: Services) -> ProvinceClientRepository:
    from smartcommune.core.wiring import bound_table
    from smartcommune.province.storage import ProvinceClientRepository, SecretBox

    services.get(bound_table)
    return ProvinceClientRepository(SecretBox(services.settings.trusted_province_key))


def province_gate(services: Services) -> ProvinceGate:
    """Verify a signed request (→ its province client) and its entitlement to a commune."""
    from smartcommune.communes.wiring import commune_repository
    from smartcommune.province.logic.access import ProvinceGate
    from smartcommune.province.storage import SeenSignatures

    settings = services.settings
    return ProvinceGate(
        services.get(client_repository),
        SeenSignatures(),
        services.get(commune_repository),
        services.clock,
        region=settings.aws_region,
        mode=settings.province_auth,
        window_s=settings.province_signature_window_s,
    )


def province_clients(services: Services) -> ProvinceClients:
    """Create, rotate, revoke and list province clients (operators, through the CLI)."""
    from smartcommune.province.logic.clients import ProvinceClients

    return ProvinceClients(services.get(client_repository), services.clock)


def idempotency_claims(services: Services) -> IdempotencyClaims:
    from smartcommune.core.wiring import bound_table
    from smartcommune.province.storage import IdempotencyClaims

    services.get(bound_table)
    return IdempotencyClaims()


def report_requests(services: Services) -> ReportRequests:
    """Ad hoc report requests from the province, idempotent by the client's Idempotency-Key."""
    from smartcommune.province.logic.reads import ReportRequests
    from smartcommune.reporting.wiring import reports

    return ReportRequests(services.get(idempotency_claims), services.get(reports), services.clock)


API_PREFIX = "/api"  # the stage behind API Gateway, the path prefix the local edge strips


def verify_signed_request(services: Services, raw: RawRequest) -> ProvinceClient:
    """The province client that signed ``raw`` (dispatch calls this for every signed route, before parsing), or 401."""
    from smartcommune.province.logic.sigv4 import SignedRequest

    path = raw.url_path or _fill(raw.path, raw.path_params)
    # The client signed the URL it called: through API Gateway's stage or the local edge that is /api/…, else /….
    paths = (path,) if path.startswith(API_PREFIX + "/") else (path, API_PREFIX + path)
    signed = SignedRequest(method=raw.method, paths=paths, headers=raw.headers, query=raw.query, body=raw.body or b"")
    return services.get(province_gate).authenticate(signed, raw.caller_arn)


def _fill(template: str, params: dict[str, str]) -> str:
    for name, value in params.items():
        template = template.replace("{" + name + "}", value)
    return template

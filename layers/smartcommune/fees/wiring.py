"""Factories of the fee ledger and the waste-collection schedules (pattern: ``smartcommune.core.wiring``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smartcommune.broadcast.contracts import NewBulletin
    from smartcommune.core.principal import Principal
    from smartcommune.core.services import Services
    from smartcommune.feedback.contracts.requests import NewFeedback
    from smartcommune.fees.logic.collection import WasteService
    from smartcommune.fees.logic.service import FeeService
    from smartcommune.fees.storage import FeeRepository


def fee_repository(services: Services) -> FeeRepository:
    from smartcommune.core.wiring import bound_table
    from smartcommune.fees.storage import FeeRepository

    services.get(bound_table)
    return FeeRepository()


LAYER_FONT = "/opt/fonts/DejaVuSans.ttf"


def receipt_font(configured: str) -> str:
    """The configured font, else the one the TTS layer ships (Lambda mounts layers at /opt)."""
    from pathlib import Path

    return configured if Path(configured).is_file() or not Path(LAYER_FONT).is_file() else LAYER_FONT


def fee_service(services: Services) -> FeeService:
    """The ledger (public: the CLI, the demo seeder and the benchmark use it too)."""
    from smartcommune.audit.wiring import audit_repository
    from smartcommune.citizens.wiring import citizen_repository
    from smartcommune.communes.wiring import commune_repository
    from smartcommune.fees.logic.service import FeeLimits, FeeService

    settings = services.settings
    return FeeService(
        clock=services.clock,
        store=services.get(fee_repository),
        citizens=services.get(citizen_repository),
        communes=services.get(commune_repository),
        limits=FeeLimits(payment_key=settings.trusted_payment_key, font_path=receipt_font(settings.receipt_font_path)),
        audit=services.get(audit_repository),
    )


class BulletinAnnouncer:
    """Drafts through broadcast's public service; the chairman approves it like any other bulletin."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def draft(self, caller: Principal, new: NewBulletin) -> tuple[str, str]:
        from smartcommune.broadcast.wiring import bulletin_service

        bulletin = self._services.get(bulletin_service).draft(caller, new)
        return bulletin.id, bulletin.status


class FeedbackSubmitter:
    """Submits through feedback's public service (its own rules, idempotency and workflow)."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def submit(self, caller: Principal, new: NewFeedback, idempotency_key: str) -> dict[str, Any]:
        from smartcommune.feedback.wiring import feedback_service

        return self._services.get(feedback_service).submit(caller, new, idempotency_key)


def waste_service(services: Services) -> WasteService:
    from smartcommune.communes.wiring import commune_repository
    from smartcommune.fees.logic.collection import WasteService

    return WasteService(
        clock=services.clock,
        store=services.get(fee_repository),
        communes=services.get(commune_repository),
        announcer=lambda: BulletinAnnouncer(services),
        feedback=lambda: FeedbackSubmitter(services),
        public_base_url=services.settings.public_base_url,
    )

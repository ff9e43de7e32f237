"""Factories of the feedback feature (see ``smartcommune.domain.wiring`` for the pattern)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune.api.services import Services
    from smartcommune.dal.feedback import FeedbackRepository
    from smartcommune.dal.media import MediaRepository
    from smartcommune.domain.feedback import FeedbackService


def feedback_repository(services: Services) -> FeedbackRepository:
    from smartcommune.dal.feedback import FeedbackRepository
    from smartcommune.domain.wiring import audit_repository, bound_table

    services.get(bound_table)
    return FeedbackRepository(services.get(audit_repository))


def media_repository(services: Services) -> MediaRepository:
    from smartcommune.dal.aws import client
    from smartcommune.dal.media import MediaRepository

    return MediaRepository(client("s3", services.settings), services.settings.media_bucket)


def feedback_service(services: Services) -> FeedbackService:
    from smartcommune.domain.feedback import FeedbackService
    from smartcommune.domain.wiring import citizen_repository, commune_repository, pii_hasher, sms_gateway

    return FeedbackService(
        clock=services.clock,
        store=services.get(feedback_repository),
        media=services.get(media_repository),
        communes=services.get(commune_repository),
        citizens=services.get(citizen_repository),
        sms=services.get(sms_gateway),
        signer=services.get(pii_hasher),
    )

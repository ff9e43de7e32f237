"""Factories of citizen feedback and its Open311 GeoReport v2 gateway (pattern: ``smartcommune.core.wiring``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune.core.services import Services
    from smartcommune.feedback.logic.feedback import FeedbackService
    from smartcommune.feedback.logic.open311 import Open311Gateway
    from smartcommune.feedback.storage.feedback import FeedbackRepository
    from smartcommune.feedback.storage.media import MediaRepository
    from smartcommune.feedback.storage.open311_keys import Open311KeyRepository


def feedback_repository(services: Services) -> FeedbackRepository:
    from smartcommune.audit.wiring import audit_repository
    from smartcommune.core.wiring import bound_table
    from smartcommune.feedback.storage.feedback import FeedbackRepository

    services.get(bound_table)
    return FeedbackRepository(services.get(audit_repository))


def media_repository(services: Services) -> MediaRepository:
    from smartcommune.core.aws import client
    from smartcommune.feedback.storage.media import MediaRepository

    return MediaRepository(client("s3", services.settings), services.settings.media_bucket)


def feedback_service(services: Services) -> FeedbackService:
    from smartcommune.citizens.wiring import citizen_repository
    from smartcommune.communes.wiring import commune_repository
    from smartcommune.core.wiring import pii_hasher
    from smartcommune.feedback.logic.feedback import FeedbackService
    from smartcommune.sms.wiring import sms_gateway

    return FeedbackService(
        clock=services.clock,
        store=services.get(feedback_repository),
        media=services.get(media_repository),
        communes=services.get(commune_repository),
        citizens=services.get(citizen_repository),
        sms=services.get(sms_gateway),
        signer=services.get(pii_hasher),
    )


def open311_key_repository(services: Services) -> Open311KeyRepository:
    from smartcommune.core.wiring import bound_table
    from smartcommune.feedback.storage.open311_keys import Open311KeyRepository

    services.get(bound_table)
    return Open311KeyRepository(services.clock)


def open311_gateway(services: Services) -> Open311Gateway:
    from smartcommune.communes.wiring import commune_repository
    from smartcommune.core.wiring import bound_table, rate_counters
    from smartcommune.feedback.logic.open311 import Open311Gateway

    services.get(bound_table)
    return Open311Gateway(
        feedback=services.get(feedback_service),
        keys=services.get(open311_key_repository),
        communes=services.get(commune_repository),
        rates=services.get(rate_counters),
        clock=services.clock,
    )


class PhotoSanitizer:
    """Feedback's photo checks and metadata stripping, for other capabilities' uploads (public: the commune website
    keeps its OCOP and officials' photos the same way, in the same media bucket)."""

    def problem(self, size_bytes: int, content_type: str, data: bytes) -> tuple[str, str] | None:
        """Why an upload cannot be kept (Vietnamese, English): too large, not JPEG/PNG/WebP, or not what it says."""
        from smartcommune.feedback.logic.photos import UploadInfo, upload_problem

        return upload_problem(UploadInfo(size_bytes, content_type, data))

    def strip(self, data: bytes) -> bytes:
        """The photo without EXIF (GPS), XMP, IPTC or comments; losslessly."""
        from smartcommune.feedback.logic.image_metadata import strip_metadata

        return strip_metadata(data)


def photo_sanitizer(services: Services) -> PhotoSanitizer:
    return PhotoSanitizer()

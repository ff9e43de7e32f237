"""Factories of telehealth (pattern: ``smartcommune.core.wiring``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from smartcommune.core.services import Services
    from smartcommune.telehealth.contracts import Member
    from smartcommune.telehealth.logic.booking import BookingService, ReminderService
    from smartcommune.telehealth.logic.records import RecordService
    from smartcommune.telehealth.logic.setup import SetupService
    from smartcommune.telehealth.storage.repositories import (
        BookingRepository,
        MemberRepository,
        RecordRepository,
        SetupRepository,
    )
    from smartcommune.telehealth.storage.video import LocalVideoProvider


def setup_repository(services: Services) -> SetupRepository:
    from smartcommune.core.wiring import bound_table
    from smartcommune.telehealth.storage.repositories import SetupRepository

    services.get(bound_table)
    return SetupRepository()


def booking_repository(services: Services) -> BookingRepository:
    from smartcommune.core.wiring import bound_table
    from smartcommune.telehealth.storage.repositories import BookingRepository

    services.get(bound_table)
    return BookingRepository()


def member_repository(services: Services) -> MemberRepository:
    from smartcommune.core.wiring import bound_table
    from smartcommune.telehealth.storage.repositories import MemberRepository

    services.get(bound_table)
    return MemberRepository()


def record_repository(services: Services) -> RecordRepository:
    from smartcommune.audit.wiring import audit_repository
    from smartcommune.core.wiring import bound_table
    from smartcommune.telehealth.storage.repositories import RecordRepository

    services.get(bound_table)
    return RecordRepository(services.get(audit_repository))


def video_provider(services: Services) -> LocalVideoProvider:
    """The meeting links of remote consultations (the local waiting page until a provider is contracted)."""
    from smartcommune.telehealth.storage.video import LocalVideoProvider

    return LocalVideoProvider(services.settings.secret("pii_hash_key"), services.settings.public_base_url)


def booking_service(services: Services) -> BookingService:
    """Bookings, the queue, reminders and statistics (public)."""
    from smartcommune.audit.wiring import audit_repository
    from smartcommune.citizens.wiring import citizen_repository
    from smartcommune.sms.wiring import sms_gateway
    from smartcommune.telehealth.logic.booking import BookingService

    return BookingService(
        clock=services.clock,
        setup=services.get(setup_repository),
        bookings=services.get(booking_repository),
        members=services.get(member_repository),
        citizens=services.get(citizen_repository),
        sms=services.get(sms_gateway),
        video=services.get(video_provider),
        audit=services.get(audit_repository),
        register=_Register(services),
    )


class _Register:
    """The population register's residents as the members a citizen books for."""

    RELATIONS: ClassVar[dict[str, str]] = {
        "child": "child",
        "grandchild": "grandchild",
        "parent": "parent",
        "spouse": "spouse",
    }

    def __init__(self, services: Services) -> None:
        self._services = services

    def housemates(self, commune_id: str, citizen_id: str) -> list[Member]:
        from smartcommune.population.wiring import population_service
        from smartcommune.telehealth.contracts import Member

        household = self._services.get(population_service).household_of_account(commune_id, citizen_id)
        if household is None:
            return []
        me = next((r for r in household.residents if r.citizen_id == citizen_id), None)
        heads = me is not None and me.relation == "head"
        return [
            Member(
                id=r.id,
                guardian_id=citizen_id,
                full_name=r.full_name,
                birth_date=r.birth_date,
                # The register's relation is to the head of the household: it is the caller's only if they head it.
                relation=self.RELATIONS.get(r.relation, "other") if heads else "other",
            )
            for r in household.residents
            if r.status == "resident" and r.citizen_id != citizen_id
        ]


def record_service(services: Services) -> RecordService:
    """Patient records, chat, pharmacies and criterion 9.1 (public)."""
    from smartcommune.audit.wiring import audit_repository
    from smartcommune.citizens.wiring import citizen_repository
    from smartcommune.communes.wiring import commune_repository
    from smartcommune.telehealth.logic.records import RecordService

    return RecordService(
        clock=services.clock,
        records=services.get(record_repository),
        members=services.get(member_repository),
        citizens=services.get(citizen_repository),
        bookings=services.get(booking_repository),
        setup=services.get(setup_repository),
        communes=services.get(commune_repository),
        audit=services.get(audit_repository),
    )


def setup_service(services: Services) -> SetupService:
    from smartcommune.audit.wiring import audit_repository
    from smartcommune.telehealth.logic.setup import SetupService

    return SetupService(services.get(setup_repository), services.get(audit_repository))


def reminder_service(services: Services) -> ReminderService:
    """The reminders alone (the ``health_reminders`` function: bookings and the SMS queue, no secret)."""
    from smartcommune.sms.wiring import sms_gateway
    from smartcommune.telehealth.logic.booking import ReminderService

    return ReminderService(services.clock, services.get(booking_repository), services.get(sms_gateway))

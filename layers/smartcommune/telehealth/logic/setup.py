"""Staff keep the station's set-up: practitioners, services, weekly schedules, exceptions, pharmacies (audited)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smartcommune.audit.contracts import AuditRecord
from smartcommune.core.errors import InvalidInputError
from smartcommune.telehealth.contracts import (
    HealthService,
    Pharmacy,
    Practitioner,
    ScheduleException,
    StationSetup,
    WorkSchedule,
)

if TYPE_CHECKING:
    from smartcommune.core.principal import Principal
    from smartcommune.telehealth.logic.ports import AuditJournal, SetupStore

SetupRecord = Practitioner | HealthService | WorkSchedule | ScheduleException | Pharmacy

KIND_OF: dict[type[SetupRecord], str] = {
    Practitioner: "PRAC",
    HealthService: "SVC",
    WorkSchedule: "SCHED",
    ScheduleException: "EXC",
    Pharmacy: "PHARM",
}


def key_of(record: SetupRecord) -> str:
    if isinstance(record, HealthService):
        return record.code
    if isinstance(record, WorkSchedule):
        return record.practitioner_id
    return record.id


def _missing(setup: StationSetup, record: SetupRecord) -> str | None:
    practitioner = getattr(record, "practitioner_id", None)
    if practitioner and setup.practitioner(practitioner) is None:
        return f"practitioner '{practitioner}'"
    services = [r.service for r in record.rules] if isinstance(record, WorkSchedule) else []
    if isinstance(record, ScheduleException) and record.service:
        services.append(record.service)
    unknown = [s for s in services if setup.service(s) is None]
    return f"service '{unknown[0]}'" if unknown else None


class SetupService:
    def __init__(self, store: SetupStore, audit: AuditJournal) -> None:
        self._store = store
        self._audit = audit

    def setup(self, commune_id: str) -> StationSetup:
        return self._store.setup(commune_id)

    def put(self, caller: Principal, key: str, record: SetupRecord) -> SetupRecord:
        if key != key_of(record):
            raise InvalidInputError(
                "Mã trong đường dẫn khác mã trong nội dung.", "The key in the path differs from the body's."
            )
        missing = _missing(self._store.setup(caller.commune_id), record)
        if missing:
            raise InvalidInputError(f"Chưa có {missing} trong danh mục của trạm.", f"Unknown {missing}.")
        kind = KIND_OF[type(record)]
        self._store.put(caller.commune_id, kind, key, record.model_dump_json())
        self._audit.commit(
            caller.commune_id,
            AuditRecord(
                actor_id=caller.subject_id,
                actor_role=caller.primary_role,
                action="health_setup.put",
                target=f"health-{kind.lower()}/{key}",
                after=record.model_dump(mode="json"),
            ),
        )
        return record

"""The Giao Phong health station for the local stack and tests: two doctors, a nurse and a midwife, the five
services, a weekly schedule (mornings 7:30-11:30, afternoons 13:30-16:30, Monday to Saturday), a vaccination day on
the 25th of the month, and three pharmacies near the station.

``seed_health(services)`` (re)writes the set-up: safe to run on every start.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from smartcommune.telehealth.contracts import (
    HealthService,
    Pharmacy,
    Practitioner,
    ScheduleException,
    StationSetup,
    WeeklyRule,
    WorkSchedule,
)

if TYPE_CHECKING:
    from smartcommune.core.services import Services

SERVICES = [
    HealthService(code="general", name="Khám bệnh đa khoa", duration_min=15, capacity=2),
    HealthService(code="maternal-child", name="Khám sức khỏe bà mẹ - trẻ em", duration_min=20, capacity=1),
    HealthService(code="chronic", name="Tái khám bệnh mạn tính (huyết áp, tiểu đường)", duration_min=15, capacity=2),
    HealthService(code="vaccination", name="Tiêm chủng", duration_min=30, capacity=10),
    HealthService(code="remote", name="Khám từ xa (tư vấn trực tuyến)", duration_min=20, capacity=1, mode="remote"),
]
PRACTITIONERS = [
    Practitioner(id="bs-lan", name="BS. Trần Thị Lan", kind="doctor", title="Bác sĩ đa khoa, Trạm trưởng"),
    Practitioner(id="bs-hung", name="BS. Nguyễn Văn Hùng", kind="doctor", title="Bác sĩ y học gia đình"),
    Practitioner(id="dd-mai", name="ĐD. Phạm Thị Mai", kind="nurse", title="Điều dưỡng"),
    Practitioner(id="hs-thu", name="HS. Vũ Thị Thu", kind="midwife", title="Nữ hộ sinh"),
]


def _week(*blocks: tuple[str, str, str], days: range = range(6)) -> list[WeeklyRule]:
    return [WeeklyRule(weekday=d, start=s, end=e, service=svc) for d in days for s, e, svc in blocks]


SCHEDULES = [
    WorkSchedule(
        practitioner_id="bs-lan",
        rules=_week(("07:30", "11:30", "general"), ("13:30", "15:30", "chronic"), ("15:30", "16:30", "remote")),
    ),
    WorkSchedule(
        practitioner_id="bs-hung",
        rules=_week(("07:30", "11:30", "chronic"), ("13:30", "16:30", "general")),
    ),
    WorkSchedule(practitioner_id="dd-mai", rules=_week(("07:30", "11:00", "vaccination"), days=range(2, 3))),
    WorkSchedule(
        practitioner_id="hs-thu",
        rules=_week(("07:30", "11:30", "maternal-child"), ("13:30", "16:30", "maternal-child"), days=range(5)),
    ),
]
PHARMACIES = [
    Pharmacy(
        id="nt-an-khang",
        name="Nhà thuốc An Khang",
        address="Chợ Giao Phong, xóm 3",
        phone="0912345001",
        lat=20.2585,
        lon=106.4705,
    ),
    Pharmacy(
        id="qt-so-7",
        name="Quầy thuốc số 7",
        address="Đường trục xã, xóm 5",
        phone="0912345002",
        lat=20.2641,
        lon=106.4762,
        opens="06:30",
        closes="20:00",
    ),
    Pharmacy(
        id="nt-tram-y-te",
        name="Quầy thuốc Trạm y tế xã",
        address="Trạm y tế xã Giao Phong",
        lat=20.2612,
        lon=106.4731,
        opens="07:00",
        closes="17:00",
    ),
]


def vaccination_days(today: date) -> list[ScheduleException]:
    """The monthly vaccination day (the 25th, the expanded immunisation programme's habit) this month and next."""
    found = []
    first = today.replace(day=1)
    for month in (first, (first + timedelta(days=32)).replace(day=1)):
        day = month.replace(day=25)
        found.append(
            ScheduleException(
                id=f"tiem-chung-{day:%Y-%m}",
                day=day,
                kind="campaign",
                practitioner_id="dd-mai",
                service="vaccination",
                start="07:30",
                end="16:30",
                reason="Ngày tiêm chủng mở rộng",
            )
        )
    return found


def demo_station(today: date) -> StationSetup:
    return StationSetup(
        practitioners=PRACTITIONERS,
        services=SERVICES,
        schedules=SCHEDULES,
        exceptions=vaccination_days(today),
        pharmacies=PHARMACIES,
    )


def seed_health(services: Services, commune_ids: tuple[str, ...] = ("giao-phong",)) -> int:
    """Write the station's set-up of each commune (services first: schedules name them); the records written."""
    from smartcommune.core.contracts import VN_TZ
    from smartcommune.telehealth.logic.setup import KIND_OF, SetupRecord, key_of
    from smartcommune.telehealth.wiring import setup_repository

    store = services.get(setup_repository)
    setup = demo_station(services.clock().astimezone(VN_TZ).date())
    written = 0
    for commune_id in commune_ids:
        records: list[SetupRecord] = [
            *setup.services,
            *setup.practitioners,
            *setup.schedules,
            *setup.exceptions,
            *setup.pharmacies,
        ]
        for record in records:
            store.put(commune_id, KIND_OF[type(record)], key_of(record), record.model_dump_json())
            written += 1
    return written

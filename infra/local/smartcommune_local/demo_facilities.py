"""Demo facilities of Giao Phong: its free public wifi points and its three schools with two school years of
figures — written through the facilities' own services, so they are audited like staff's changes.

Where the points are follows the pilot plan (section III, criterion 4.3): free wifi at the one-stop office of the
People's Committee (bộ phận Một cửa UBND xã) and the health station, 100 Mbps lines and up, and at the schools, each
hamlet's cultural house and the commune's cultural post office (the one the demo shows out of service). The schools
are the commune's kindergarten, primary and lower-secondary schools; their figures are invented but of the commune's
size (6,835 people: about a hundred children a year).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from smartcommune.core.contracts import Role

if TYPE_CHECKING:
    from smartcommune.communes.contracts import Commune
    from smartcommune.core.principal import Principal
    from smartcommune.core.services import Services

# (name, kind, hamlet, (lat, lon), Mbps); coordinates inside the demo hamlet outlines (dashboard GeoJSON).
WIFI: tuple[tuple[str, str, str | None, tuple[float, float], float], ...] = (
    ("Wifi Bộ phận Một cửa UBND xã", "one_stop_office", "nam-phong", (20.2560, 106.4942), 150),
    ("Wifi Trạm y tế xã", "health_station", "nam-phong", (20.2568, 106.4953), 100),
    ("Wifi Nhà văn hóa xóm Đông Thành", "cultural_house", "dong-thanh", (20.2580, 106.4843), 100),
    ("Wifi Nhà văn hóa xóm Tây Sơn", "cultural_house", "tay-son", (20.2545, 106.4890), 100),
    ("Wifi Nhà văn hóa xóm Nam Phong", "cultural_house", "nam-phong", (20.2500, 106.4940), 100),
    ("Wifi Nhà văn hóa xóm Bắc Hải", "cultural_house", "bac-hai", (20.2620, 106.4990), 100),
    ("Wifi Nhà văn hóa xóm Trung Phong", "cultural_house", "trung-phong", (20.2560, 106.5040), 100),
    ("Wifi Trường Mầm non Giao Phong", "school", "tay-son", (20.2538, 106.4902), 100),
    ("Wifi Trường Tiểu học Giao Phong", "school", "nam-phong", (20.2528, 106.4948), 150),
    ("Wifi Trường THCS Giao Phong", "school", "trung-phong", (20.2572, 106.5025), 200),
    ("Wifi Bưu điện văn hóa xã", "post_office", "nam-phong", (20.2553, 106.4934), 100),
)
OUT_OF_SERVICE = {"Wifi Bưu điện văn hóa xã": "Thiết bị phát hỏng sau mưa bão, đã báo VNPT Nam Định thay thế."}

# name, level, hamlet, (lat, lon), figures of the school year before and of this one:
# (pupils, classes, teachers, has school-management software, has digital teaching equipment).
Figures = tuple[int, int, int, bool, bool]
SCHOOLS: tuple[tuple[str, str, str, tuple[float, float], Figures, Figures], ...] = (
    ("Trường Mầm non Giao Phong", "mam_non", "tay-son", (20.2538, 106.4902),
     (318, 11, 23, True, False), (305, 11, 23, True, True)),
    ("Trường Tiểu học Giao Phong", "tieu_hoc", "nam-phong", (20.2528, 106.4948),
     (571, 19, 31, True, True), (562, 18, 30, True, True)),
    ("Trường THCS Giao Phong", "thcs", "trung-phong", (20.2572, 106.5025),
     (423, 12, 27, True, True), (437, 12, 27, True, True)),
)  # fmt: skip


def _principal(commune_id: str, role: Role, name: str) -> Principal:
    from smartcommune.core.principal import Principal

    return Principal(
        subject_id=f"demo-{role.value}",
        kind="staff",
        roles=frozenset({role}),
        commune_id=commune_id,
        display_name=name,
        session_id="demo-seed",
        expires_at=datetime(2100, 1, 1, tzinfo=UTC),
    )


def _year_body(school_year: str, figures: Figures, version: int) -> dict[str, Any]:
    pupils, classes, teachers, software, equipment = figures
    return {
        "school_year": school_year,
        "pupils": pupils,
        "classes": classes,
        "teachers": teachers,
        "has_management_software": software,
        "has_digital_equipment": equipment,
        "version": version,
    }


def seed_facilities(services: Services, commune: Commune) -> int:
    """Giao Phong's wifi points and schools (other communes get none); returns the records written.

    Each create carries a fixed request key and a school year already entered is left as it is, so running it again
    (or after an interruption) writes only what is missing.
    """
    from smartcommune.facilities.contracts import NewSchool, NewWifiPoint, SchoolYearEntry
    from smartcommune.facilities.logic.schools import current_school_year
    from smartcommune.facilities.wiring import school_service, wifi_service

    if commune.id != "giao-phong":
        return 0
    culture = _principal(commune.id, Role.CULTURE, "Mai Văn Sơn (Văn hóa - Thông tin)")
    school_staff = _principal(commune.id, Role.SCHOOL, "Bùi Thị Thu Trang (Trường THCS Giao Phong)")
    wifi = services.get(wifi_service)
    schools = services.get(school_service)
    written = 0
    if not wifi.page(culture).items:
        for n, (name, kind, hamlet, (lat, lon), mbps) in enumerate(WIFI, start=1):
            note = OUT_OF_SERVICE.get(name)
            new = NewWifiPoint.model_validate(
                {
                    "name": name,
                    "place_kind": kind,
                    "hamlet_id": hamlet,
                    "location": {"lat": lat, "lon": lon},
                    "bandwidth_mbps": mbps,
                    "status": "out_of_service" if note else "in_service",
                    "status_note": note,
                }
            )
            wifi.create(culture, new, f"demo-wifi-{n:02d}")
            written += 1
    this_year = current_school_year(services.clock())
    start = int(this_year[:4])
    years = (f"{start - 1}-{start}", this_year)
    for n, (name, level, hamlet, (lat, lon), before, now) in enumerate(SCHOOLS, start=1):
        place = {"name": name, "level": level, "hamlet_id": hamlet, "location": {"lat": lat, "lon": lon}}
        school = schools.create(school_staff, NewSchool.model_validate(place), f"demo-school-{n:02d}")
        entered = {y.school_year for y in school.years}
        for school_year, figures in zip(years, (before, now), strict=True):
            if school_year in entered:
                continue
            entry = SchoolYearEntry.model_validate(_year_body(school_year, figures, school.version))
            school = schools.enter_year(school_staff, school.id, entry)
            written += 1
    return written

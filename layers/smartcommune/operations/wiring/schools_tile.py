"""The schools tile (seed V.6, criteria 10.1 and 10.2): the schools' latest school year (pupils, classes, teachers,
digital tools) beside the forecast of the next grade-1 entry from the population register (``logic.forecasts``,
the same forecast the dashboard shows); each school on the map, each school's figures in the drill-down."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from smartcommune.core.contracts import VN_TZ
from smartcommune.operations.contracts import DrillTable, MapMarker, Metric, Series, Tile
from smartcommune.operations.logic.dashboard import TileOutput
from smartcommune.operations.logic.forecasts import forecast

if TYPE_CHECKING:
    from smartcommune.operations.contracts import SchoolEntryYear
    from smartcommune.operations.logic.dashboard import CommuneFactsSource, PopulationSource

LEVELS_VI = {"mam_non": "Mầm non", "tieu_hoc": "Tiểu học", "thcs": "THCS"}
ENTRY_MONTH = 9
"""Grade 1 starts in September: from then on, the next entry is the next year's."""


def _yes(value: bool) -> str:
    return "có" if value else "chưa"


class SchoolsTile:
    def __init__(self, summaries: Any, population: PopulationSource | None, communes: CommuneFactsSource) -> None:
        self._summaries = summaries
        self._population = population
        self._communes = communes

    def _next_entry(self, commune_id: str, now: datetime) -> tuple[SchoolEntryYear | None, str]:
        """The forecast of the next September's grade-1 entry, and its method in a sentence."""
        if self._population is None:
            return None, ""
        today = now.astimezone(VN_TZ).date()
        facts = self._communes.facts(commune_id)
        people, unknown = self._population.people(commune_id)
        found = forecast(
            people,
            today,
            unknown=unknown,
            population=facts.population if facts else None,
            source_vi=self._population.source_vi,
        )
        year = today.year if today.month < ENTRY_MONTH else today.year + 1
        ratio = f"{found.teachers_per_class:g}".replace(".", ",")
        note = (
            f"Dự báo vào lớp 1 năm Y: trẻ sinh năm Y − 6 ({self._population.source_vi}), {found.class_size} em/lớp, "
            f"{ratio} giáo viên/lớp; năm sổ chưa có lứa tuổi đó được ước tính từ dân số."
        )
        return next((y for y in found.school_entry if y.year == year), None), note

    def tile(self, commune_id: str, now: datetime) -> TileOutput:
        s = self._summaries.schools(commune_id)
        year = f" ({s.school_year})" if s.school_year else ""
        metrics = [
            Metric(key="schools", label_vi="Trường học", value=s.schools),
            Metric(key="pupils", label_vi=f"Học sinh{year}", value=s.pupils),
            Metric(key="classes", label_vi=f"Lớp học{year}", value=s.classes),
            Metric(key="teachers", label_vi=f"Giáo viên{year}", value=s.teachers),
            Metric(
                key="with_management_software",
                label_vi="Trường có phần mềm quản trị (10.1)",
                value=s.with_management_software,
                unit=f"/{s.schools}",
                tone="ok" if s.schools and s.with_management_software == s.schools else "warn",
            ),
            Metric(
                key="with_digital_equipment",
                label_vi="Trường có thiết bị dạy học số (10.2)",
                value=s.with_digital_equipment,
                unit=f"/{s.schools}",
                tone="ok" if s.schools and s.with_digital_equipment == s.schools else "warn",
            ),
        ]
        entry, method = self._next_entry(commune_id, now)
        drill_forecast: list[list[str | int | float | None]] = []
        if entry is not None:
            estimate = " (ước tính)" if entry.source == "estimate" else ""
            metrics += [
                Metric(key="next_entry_children", label_vi=f"Dự báo vào lớp 1 tháng 9/{entry.year}{estimate}",
                       value=entry.children, unit=" trẻ"),
                Metric(key="next_entry_classes", label_vi=f"Lớp 1 cần mở năm {entry.year}", value=entry.classes),
                Metric(key="next_entry_teachers", label_vi=f"Giáo viên lớp 1 cần năm {entry.year}",
                       value=entry.teachers),
            ]  # fmt: skip
            drill_forecast = [[entry.year, entry.children, entry.classes, entry.teachers, entry.source]]
        rows: list[list[str | int | float | None]] = []
        for item in s.items:
            latest = item.latest
            rows.append(
                [
                    item.name,
                    LEVELS_VI.get(item.level, item.level),
                    item.hamlet_name or "",
                    latest.school_year if latest else "chưa nhập",
                    latest.pupils if latest else None,
                    latest.classes if latest else None,
                    latest.teachers if latest else None,
                    _yes(latest.has_management_software) if latest else "",
                    _yes(latest.has_digital_equipment) if latest else "",
                ]
            )
        drill = [
            DrillTable(
                key="schools",
                title_vi="Các trường (năm học mới nhất của mỗi trường)",
                columns=["Trường", "Cấp", "Xóm", "Năm học", "Học sinh", "Lớp", "Giáo viên", "Phần mềm quản trị",
                         "Thiết bị dạy học số"],
                rows=rows,
            ),
            DrillTable(
                key="next_entry",
                title_vi="Dự báo tuyển sinh lớp 1 (từ sổ dân cư)",
                columns=["Năm", "Số trẻ", "Số lớp", "Số giáo viên", "Nguồn"],
                rows=drill_forecast,
            ),
        ]  # fmt: skip
        markers = [
            MapMarker(kind="school", lat=i.lat, lon=i.lon, label_vi=i.name, tone="info", hamlet_id=i.hamlet_id)
            for i in s.items
        ]
        series = [
            Series(
                key="pupils_by_year",
                label_vi="Học sinh theo năm học",
                x=list(s.pupils_by_year),
                values=[float(v) for v in s.pupils_by_year.values()],
            )
        ]
        return TileOutput(
            tile=Tile(
                name="schools",
                title_vi="Trường học",
                metrics=metrics,
                series=series,
                drill=drill,
                note_vi=method if entry is not None else "",
                link="/admin/#/facilities",
            ),
            markers=markers,
        )

"""A commune formed by a merger reports its broadcasts back in time: its own counters plus those of the communes
merged into it, which stay where they were counted."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from smartcommune.broadcast.logic.statistics import DeliveryStatistics
from smartcommune.core.contracts import Role
from smartcommune.core.principal import Principal

COUNTERS: dict[tuple[str, str], dict[str, Any]] = {
    ("giao-binh", "2025-07-02"): {
        "programs": 1,
        "clusters": {"bl-cl-01": 60.0},
        "played": {"bl-spk-01a": 1},
        "failed": {},
    },
    ("bach-long", "2025-06-30"): {"programs": 2, "clusters": {"bl-cl-01": 90.0}, "played": {}, "failed": {"x": 1}},
    ("giao-tan", "2025-06-30"): {"programs": 3, "clusters": {"gt-cl-01": 30.0}, "played": {}, "failed": {}},
}


class Counters:
    def period(self, commune_id: str, period: str) -> dict[str, Any]:
        return COUNTERS.get((commune_id, period), {"programs": 0, "clusters": {}, "played": {}, "failed": {}})


def _caller() -> Principal:
    return Principal(
        subject_id="s",
        kind="staff",
        roles=frozenset({Role.CULTURE}),
        commune_id="giao-binh",
        display_name="Cán bộ",
        session_id="x",
        expires_at=datetime(2030, 1, 1, tzinfo=UTC),
    )


def test_the_merged_whole_is_reported_for_days_before_and_after_the_merger():
    statistics = DeliveryStatistics(
        clock=lambda: datetime(2025, 7, 3, tzinfo=UTC),
        store=None,  # type: ignore[arg-type]
        fanout=None,  # type: ignore[arg-type]
        stats=Counters(),  # type: ignore[arg-type]
        lineage=lambda commune_id: [commune_id, "bach-long", "giao-tan"],
    )
    report = statistics.statistics(_caller(), "day", date(2025, 6, 30), date(2025, 7, 2))
    rows = {r.period: r for r in report.rows}
    assert rows["2025-06-30"].programs_aired == 5
    assert rows["2025-06-30"].airtime_s_by_cluster == {"bl-cl-01": 90.0, "gt-cl-01": 30.0}
    assert rows["2025-06-30"].failed_by_speaker == {"x": 1}
    assert rows["2025-07-01"].programs_aired == 0
    assert rows["2025-07-02"].programs_aired == 1 and rows["2025-07-02"].played_by_speaker == {"bl-spk-01a": 1}

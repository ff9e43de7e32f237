"""Operational warnings: what a capability raises for the operations dashboard to show and staff to acknowledge.

Cameras (a person at the school gate at night), water quality (chlorine below the QCVN limit, a silent sensor) and
any later source raise warnings of one shape, so that the dashboard lists them together by severity without knowing
their capability. Each source keeps its own warnings (and their acknowledgement) in its own storage and exposes a
:class:`WarningSource` among its public services; the dashboard asks each source in turn.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol

from pydantic import Field

from smartcommune.core.contracts import Contract


class WarningCategory(StrEnum):
    """What kind of danger a warning is about (the dashboard groups by it)."""

    SECURITY = "security"  # an nính trật tự
    TRAFFIC = "traffic"  # giao thông
    FIRE = "fire"  # cháy nổ
    ENVIRONMENT = "environment"  # môi trường, nước sạch
    HEALTH = "health"  # y tế, dịch bệnh
    DEVICE = "device"  # thiết bị mất kết nối, hỏng


class WarningSeverity(StrEnum):
    """CAP 1.2's severities (``Extreme`` … ``Minor``), lower-cased; the dashboard sorts by :data:`SEVERITY_RANK`."""

    EXTREME = "extreme"
    SEVERE = "severe"
    MODERATE = "moderate"
    MINOR = "minor"


SEVERITY_RANK: dict[WarningSeverity, int] = {
    WarningSeverity.EXTREME: 0,
    WarningSeverity.SEVERE: 1,
    WarningSeverity.MODERATE: 2,
    WarningSeverity.MINOR: 3,
}

CATEGORY_LABELS_VI: dict[WarningCategory, str] = {
    WarningCategory.SECURITY: "An ninh trật tự",
    WarningCategory.TRAFFIC: "Giao thông",
    WarningCategory.FIRE: "Cháy nổ",
    WarningCategory.ENVIRONMENT: "Môi trường",
    WarningCategory.HEALTH: "Y tế",
    WarningCategory.DEVICE: "Thiết bị",
}


class OperationalWarning(Contract):
    """One warning as the dashboard shows it: what, how bad, where, when, and who acknowledged it."""

    warning_id: str = Field(description="Unique within its source, e.g. a camera event id")
    commune_id: str
    source: str = Field(description="The capability that raised it: 'cameras', 'water', …")
    category: WarningCategory
    severity: WarningSeverity
    title_vi: str = Field(description="One line in Vietnamese, e.g. 'Có người ở cổng trường lúc 23:10'")
    title_en: str = ""
    detail_vi: str = ""
    raised_at: datetime
    hamlet_id: str | None = None
    lat: float | None = None
    lon: float | None = None
    link: str | None = Field(default=None, description="Where staff act on it, e.g. '/admin/#/cameras/events/E1'")
    acknowledged_by: str | None = Field(default=None, description="Display name of the staff who acknowledged it")
    acknowledged_at: datetime | None = None
    acknowledgement_note: str | None = None


class WarningSource(Protocol):
    """A capability's public service that lists its warnings for the dashboard (by key or index, never a scan)."""

    def recent_warnings(self, commune_id: str, since: datetime, limit: int = 50) -> list[OperationalWarning]:
        """Warnings raised at or after ``since``, newest first, acknowledged or not."""
        ...

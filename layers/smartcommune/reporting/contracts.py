"""What the reporting capability speaks: the indicator catalog, criterion scores and scorecards, indicator values,
reports with their workflow, and the province's ad hoc report requests.

Periods are strings: ``YYYY-MM`` (monthly), ``YYYY-Qn`` (quarterly), ``YYYY`` (yearly); an ad hoc report from the
province names one of those and carries its due date.

Long because: the catalog, the scorecard, the report document (what is signed) and every request body that the
routes, the CLI, the province API and the dashboard share live together; split, each would import from the others.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from smartcommune.core.contracts import Contract, Role

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
QUARTER = r"^\d{4}-Q[1-4]$"
YEAR = r"^\d{4}$"
PERIOD = r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$"
CODE = r"^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$"

PeriodType = Literal["monthly", "quarterly", "yearly", "adhoc"]
ValueSource = Literal["computed", "entered", "missing"]
ReportStatus = Literal["draft", "submitted", "approved", "sent"]
REPORT_STATUSES: tuple[ReportStatus, ...] = ("draft", "submitted", "approved", "sent")
STATUS_LABELS_VI: dict[str, str] = {
    "draft": "Dự thảo",
    "submitted": "Đã trình",
    "approved": "Đã duyệt",
    "sent": "Đã gửi",
}


def period_type_of(period: str) -> Literal["monthly", "quarterly", "yearly"]:
    """``2026-11`` → monthly, ``2026-Q4`` → quarterly, ``2026`` → yearly."""
    if re.match(MONTH, period):
        return "monthly"
    if re.match(QUARTER, period):
        return "quarterly"
    if re.match(YEAR, period):
        return "yearly"
    raise ValueError(f"not a period: {period!r}")


# ---------------------------------------------------------------- catalog


class Indicator(BaseModel):
    """One catalog entry: a criterion of the smart new-rural commune, or one of the province's commune indicators."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(pattern=CODE, description="e.g. 1.2 (criterion) or T-12 (province indicator)")
    name_vi: str
    set: Literal["ntm-thong-minh", "tinh"] = Field(description="the smart-commune criteria, or the province's list")
    group_vi: str = ""
    unit: Literal["dat", "percent", "count", "number", "vnd"] = Field(
        description="dat: met / not met (1 or 0); percent: 0-100"
    )
    period_type: Literal["monthly", "quarterly", "yearly"]
    target_text: str = Field(description="as the plan writes it: Đạt, 100%, 10 …")
    target_value: float | None = None
    target_op: Literal[">=", "<="] = ">="
    entered_by: Role = Field(description="the role that enters (or checks) the value")
    computed_by: str | None = Field(default=None, description="provider code (e.g. feedback.satisfaction), if any")
    method_vi: str = Field(description="how the value is computed, or what evidence an entry needs")
    min_value: float = 0
    max_value: float | None = None
    max_change: float | None = Field(
        default=None, description="largest change from the last period accepted without an explanation"
    )
    dhis2_data_element: str | None = Field(default=None, description="the province's DHIS2 data element uid")


class Catalog(BaseModel):
    """The catalog data file (``reporting/catalog.json``) with where it comes from."""

    model_config = ConfigDict(frozen=True)

    version: str
    citation_vi: str
    sets: dict[str, str] = Field(description="set code → its title and source")
    capacity: dict[str, int] = Field(description="indicators a set is designed to hold (the province's: 69)")
    indicators: list[Indicator]


# ---------------------------------------------------------------- values and scorecards


class IndicatorValue(BaseModel):
    """A value of one indicator for one period, with where it comes from and who stands behind it."""

    model_config = ConfigDict(frozen=True)

    commune_id: str
    code: str
    period: str = Field(pattern=PERIOD)
    value: float | None
    source: ValueSource
    source_detail_vi: str = ""
    evidence: str | None = None
    entered_by: str | None = None
    entered_role: Role | None = None
    entered_at: datetime | None = None
    explanation: str | None = None


class CriterionScore(BaseModel):
    """One criterion of the scorecard: its target, its value this month, met or not, and the value's source."""

    model_config = ConfigDict(frozen=True)

    code: str
    name_vi: str
    target_text: str
    target_value: float | None
    value: float | None
    unit: str
    met: bool | None
    source: ValueSource
    source_detail_vi: str
    evidence: str | None
    as_of: datetime


class Scorecard(BaseModel):
    """Every criterion of the seed's table for one commune and one month (``YYYY-MM``)."""

    model_config = ConfigDict(frozen=True)

    commune_id: str
    month: str = Field(pattern=MONTH)
    criteria: list[CriterionScore]
    met_count: int
    total: int


class Computed(BaseModel):
    """What a provider (another capability's data) says about one indicator for one period."""

    model_config = ConfigDict(frozen=True)

    value: float | None
    detail_vi: str
    evidence: str | None = None


class EnteredValue(Contract):
    """A value staff enter into a report: the evidence is required (what document, link or count backs it)."""

    code: str = Field(pattern=CODE)
    value: float
    evidence: str = Field(min_length=3, max_length=1000, description="document number, link, or how it was counted")
    explanation: str | None = Field(
        default=None, max_length=1000, description="why the value moved more than usual since the last period"
    )


class NewValue(EnteredValue):
    """A value staff enter for a period outside a report."""

    period: str = Field(pattern=PERIOD)


class SeriesQuery(Contract):
    start: str = Field(pattern=PERIOD, alias="from")
    end: str = Field(pattern=PERIOD, alias="to")


class ScorecardQuery(Contract):
    month: str | None = Field(default=None, pattern=MONTH)


class HistoryQuery(Contract):
    months: int = Field(default=12, ge=1, le=36)


class CatalogView(BaseModel):
    citation_vi: str
    version: str
    sets: dict[str, str]
    capacity: dict[str, int]
    indicators: list[Indicator]


class ValueSeries(BaseModel):
    commune_id: str
    code: str
    values: list[IndicatorValue]


class ScoreHistory(BaseModel):
    commune_id: str
    code: str
    scores: list[CriterionScore]


# ---------------------------------------------------------------- reports


class ReportLine(BaseModel):
    """One indicator in a report: its value for the report's period and the value's provenance."""

    model_config = ConfigDict(frozen=True)

    code: str
    name_vi: str
    unit: str
    target_text: str
    value: float | None
    met: bool | None = None
    source: ValueSource
    source_detail_vi: str = ""
    evidence: str | None = None
    entered_by: str | None = None
    entered_at: datetime | None = None
    explanation: str | None = None


class Step(BaseModel):
    """Who moved the report to a status, and when."""

    model_config = ConfigDict(frozen=True)

    status: ReportStatus
    by: str
    by_name: str
    role: Role
    at: datetime
    note: str | None = None


class ReportRequest(Contract):
    """An ad hoc report the province asks for: which indicators, for which period, by when."""

    codes: list[str] = Field(min_length=1, max_length=100)
    period: str = Field(pattern=PERIOD)
    due_date: date
    title_vi: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=1000)

    @field_validator("codes")
    @classmethod
    def _codes(cls, codes: list[str]) -> list[str]:
        for code in codes:
            if not re.match(CODE, code):
                raise ValueError(f"mã chỉ tiêu không hợp lệ: {code}")
        return list(dict.fromkeys(codes))


class NewReport(Contract):
    """A report form the office opens for a period (monthly, quarterly, yearly); all criteria unless codes given."""

    period: str = Field(pattern=PERIOD)
    codes: list[str] | None = Field(default=None, max_length=100)
    title_vi: str | None = Field(default=None, max_length=200)


class Fill(Contract):
    """Values entered into a draft report, each with its evidence."""

    values: list[EnteredValue] = Field(min_length=1, max_length=100)


class Transition(Contract):
    note: str | None = Field(default=None, max_length=1000)


class Correction(Contract):
    reason: str = Field(min_length=5, max_length=1000, description="why the sent report is corrected")


class Report(BaseModel):
    """A report (one version of it): its period, its lines, its workflow. Locked once sent."""

    model_config = ConfigDict(frozen=True)

    id: str
    commune_id: str
    commune_name: str = ""
    version: int = Field(ge=1)
    title_vi: str
    period_type: PeriodType
    period: str
    due_date: date | None = None
    requested_by: str | None = None
    request_note: str | None = None
    status: ReportStatus
    lines: list[ReportLine]
    steps: list[Step]
    correction_of: int | None = None
    correction_reason: str | None = None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None = None
    document_sha256: str | None = Field(default=None, description="SHA-256 of the signed canonical document")
    key_id: str | None = None

    @property
    def locked(self) -> bool:
        return self.status == "sent"


class ReportSummary(BaseModel):
    id: str
    version: int
    title_vi: str
    period_type: PeriodType
    period: str
    status: ReportStatus
    due_date: date | None
    updated_at: datetime
    sent_at: datetime | None


class ReportList(BaseModel):
    reports: list[ReportSummary]


class ReportQuery(Contract):
    status: ReportStatus | None = None


class Jwk(BaseModel):
    kty: Literal["EC"] = "EC"
    crv: Literal["P-256"] = "P-256"
    x: str
    y: str
    kid: str
    alg: Literal["ES256"] = "ES256"
    use: Literal["sig"] = "sig"


class Jwks(BaseModel):
    keys: list[Jwk]


class Verification(BaseModel):
    """What checking a signed report found."""

    valid: bool
    key_id: str | None = None
    report_id: str | None = None
    version: int | None = None
    commune_id: str | None = None
    problem: str | None = None

"""Repositories of entered values, scorecard snapshots and reports (the only code here that touches DynamoDB)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smartcommune.core.table import commune_pk
from smartcommune.reporting.contracts import IndicatorValue, Report, ReportStatus, Scorecard
from smartcommune.reporting.storage.items import (
    IndicatorValueItem,
    ReportHeadItem,
    ReportVersionItem,
    ScorecardSnapshotItem,
)

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

    from smartcommune.audit.contracts import AuditRecord
    from smartcommune.audit.logic import AuditJournal


def _value_pk(commune_id: str, code: str) -> str:
    return commune_pk(commune_id, "IVAL", code)


def _same_kind(period: str, other: str) -> bool:
    return len(period) == len(other) and ("Q" in period) == ("Q" in other)


class ValueRepository:
    """Values staff entered, one item per commune, indicator and period."""

    def __init__(self, audit: AuditJournal) -> None:
        self._audit = audit

    def at_or_before(self, commune_id: str, code: str, period: str) -> IndicatorValue | None:
        for item in IndicatorValueItem.query(
            _value_pk(commune_id, code), IndicatorValueItem.sk <= period, scan_index_forward=False, limit=4
        ):
            if _same_kind(item.sk, period):
                return IndicatorValue.model_validate_json(item.document)
        return None

    def before(self, commune_id: str, code: str, period: str) -> IndicatorValue | None:
        for item in IndicatorValueItem.query(
            _value_pk(commune_id, code), IndicatorValueItem.sk < period, scan_index_forward=False, limit=4
        ):
            if _same_kind(item.sk, period):
                return IndicatorValue.model_validate_json(item.document)
        return None

    def series(self, commune_id: str, code: str, start: str, end: str) -> list[IndicatorValue]:
        return [
            IndicatorValue.model_validate_json(item.document)
            for item in IndicatorValueItem.query(_value_pk(commune_id, code), IndicatorValueItem.sk.between(start, end))
        ]

    def put(self, value: IndicatorValue, audit: AuditRecord) -> None:
        item = IndicatorValueItem(
            _value_pk(value.commune_id, value.code), value.period, document=value.model_dump_json()
        )
        self._audit.commit(value.commune_id, audit, add_writes=lambda tx: tx.save(item))


class SnapshotRepository:
    """One scorecard per commune and month, as it stood."""

    def get(self, commune_id: str, month: str) -> Scorecard | None:
        try:
            item = ScorecardSnapshotItem.get(commune_pk(commune_id, "SCORECARD"), month)
        except ScorecardSnapshotItem.DoesNotExist:
            return None
        return Scorecard.model_validate_json(item.document)

    def put(self, scorecard: Scorecard) -> None:
        ScorecardSnapshotItem(
            commune_pk(scorecard.commune_id, "SCORECARD"), scorecard.month, document=scorecard.model_dump_json()
        ).save()

    def between(self, commune_id: str, first: str, last: str) -> list[Scorecard]:
        return [
            Scorecard.model_validate_json(item.document)
            for item in ScorecardSnapshotItem.query(
                commune_pk(commune_id, "SCORECARD"), ScorecardSnapshotItem.sk.between(first, last)
            )
        ]


def _report_pk(commune_id: str, report_id: str) -> str:
    return commune_pk(commune_id, "REPORT", report_id)


class ReportRepository:
    """Reports: an item per version and a head naming the latest; each write is committed with its audit entry."""

    def __init__(self, audit: AuditJournal) -> None:
        self._audit = audit

    def _head(self, report: Report) -> ReportHeadItem:
        return ReportHeadItem(
            _report_pk(report.commune_id, report.id),
            "HEAD",
            document=report.model_dump_json(),
            version=report.version,
            updated=report.updated_at.isoformat(),
            gsi1pk=commune_pk(report.commune_id, "REPORTS"),
            gsi1sk=f"{report.created_at.isoformat()}#{report.id}",
            gsi2pk=commune_pk(report.commune_id, "REPORTS", report.status),
            gsi2sk=f"{report.updated_at.isoformat()}#{report.id}",
        )

    def _version(self, report: Report, jws: str | None) -> ReportVersionItem:
        item = ReportVersionItem(
            _report_pk(report.commune_id, report.id),
            f"V#{report.version:04d}",
            document=report.model_dump_json(),
            jws=jws,
            updated=report.updated_at.isoformat(),
        )
        if report.status == "sent" and report.sent_at is not None:
            item.gsi2pk = commune_pk(report.commune_id, "REPORTS_SENT")
            item.gsi2sk = f"{report.sent_at.isoformat()}#{report.id}#{report.version:04d}"
        return item

    def create(self, report: Report, audit: AuditRecord) -> Report:
        def writes(tx: TransactWrite) -> None:
            tx.save(self._version(report, None), condition=ReportVersionItem.pk.does_not_exist())
            tx.save(self._head(report), condition=ReportHeadItem.pk.does_not_exist())

        self._audit.commit(report.commune_id, audit, add_writes=writes)
        return report

    def save(self, before: Report, after: Report, audit: AuditRecord, jws: str | None = None) -> Report:
        """Write ``after`` if the report is still as ``before`` (else ConflictError: someone changed it)."""

        def writes(tx: TransactWrite) -> None:
            if after.version == before.version:
                tx.save(self._version(after, jws), condition=ReportVersionItem.updated == before.updated_at.isoformat())
            else:
                tx.save(self._version(after, jws), condition=ReportVersionItem.pk.does_not_exist())
            tx.save(
                self._head(after),
                condition=(ReportHeadItem.version == before.version)
                & (ReportHeadItem.updated == before.updated_at.isoformat()),
            )

        self._audit.commit(after.commune_id, audit, add_writes=writes)
        return after

    def get(self, commune_id: str, report_id: str, version: int | None = None) -> Report | None:
        try:
            if version is None:
                item: ReportHeadItem | ReportVersionItem = ReportHeadItem.get(_report_pk(commune_id, report_id), "HEAD")
            else:
                item = ReportVersionItem.get(_report_pk(commune_id, report_id), f"V#{version:04d}")
        except (ReportHeadItem.DoesNotExist, ReportVersionItem.DoesNotExist):
            return None
        return Report.model_validate_json(item.document)

    def list(self, commune_id: str, status: ReportStatus | None) -> list[Report]:
        if status is None:
            items = ReportHeadItem.gsi1.query(commune_pk(commune_id, "REPORTS"), scan_index_forward=False, limit=200)
        else:
            items = ReportHeadItem.gsi2.query(
                commune_pk(commune_id, "REPORTS", status), scan_index_forward=False, limit=200
            )
        return [Report.model_validate_json(i.document) for i in items if isinstance(i, ReportHeadItem)]

    def latest_sent(self, commune_id: str) -> Report | None:
        for item in ReportVersionItem.gsi2.query(
            commune_pk(commune_id, "REPORTS_SENT"), scan_index_forward=False, limit=1
        ):
            if isinstance(item, ReportVersionItem):
                return Report.model_validate_json(item.document)
        return None

    def jws(self, commune_id: str, report_id: str, version: int) -> str | None:
        try:
            item = ReportVersionItem.get(_report_pk(commune_id, report_id), f"V#{version:04d}")
        except ReportVersionItem.DoesNotExist:
            return None
        return item.jws

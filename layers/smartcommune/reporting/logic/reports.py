"""The local reporting system: report forms per period, entry, the workflow draft → submitted → approved → sent
(the office prepares, leadership approves and sends), locked once sent; a correction is a new version with its
reason. Sending freezes the canonical document and signs it (JWS); PDF, DHIS2 and XLSX are made from that document.

Long because: one service holds the whole workflow (open, fill, submit, return, approve, send, correct) and the
province's entry points (ad hoc requests, series, signed copies), so every transition is checked in one place.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from smartcommune.audit.contracts import AuditRecord
from smartcommune.core.contracts import Role
from smartcommune.core.errors import ConflictError, ForbiddenError, NotFoundError
from smartcommune.reporting.contracts import (
    Correction,
    EnteredValue,
    Fill,
    IndicatorValue,
    NewReport,
    NewValue,
    Report,
    ReportLine,
    ReportRequest,
    ReportStatus,
    Step,
    Verification,
    period_type_of,
)
from smartcommune.reporting.logic import entry, signing
from smartcommune.reporting.logic.periods import indicator_period, period_label_vi
from smartcommune.reporting.logic.scorecard import is_met

if TYPE_CHECKING:
    from smartcommune.core.principal import Principal
    from smartcommune.reporting.contracts import Indicator
    from smartcommune.reporting.logic.catalog import IndicatorCatalog
    from smartcommune.reporting.logic.ports import CommuneNames, PdfSigner, ReportStore, Signer, ValueStore
    from smartcommune.reporting.logic.scorecard import ScorecardService

PREPARERS = frozenset({Role.OFFICE, Role.ADMIN})
APPROVERS = frozenset({Role.ADMIN})
PROVINCE_ACTOR_PREFIX = "province:"


def _locked() -> ConflictError:
    return ConflictError(
        "Báo cáo đã gửi thì không sửa được; hãy tạo bản đính chính.",
        "A sent report is locked; make a correction instead.",
    )


def _wrong_status(report: Report, wanted: str) -> ConflictError:
    from smartcommune.reporting.contracts import STATUS_LABELS_VI

    return ConflictError(
        f"Báo cáo đang ở trạng thái “{STATUS_LABELS_VI[report.status]}”, không thể {wanted}.",
        f"The report is {report.status}; it cannot be {wanted} now.",
    )


def _for(value: EnteredValue, period: str) -> NewValue:
    return NewValue(period=period, **value.model_dump())


class ReportService:
    """Reports of a commune (public through ``reporting.wiring.reports``)."""

    def __init__(
        self,
        *,
        catalog: IndicatorCatalog,
        scorecards: ScorecardService,
        store: ReportStore,
        values: ValueStore,
        signer: Callable[[], Signer],
        pdf_signer: Callable[[], PdfSigner],
        communes: CommuneNames,
        clock: Callable[[], datetime],
        font_path: str,
    ) -> None:
        self._catalog = catalog
        self._scorecards = scorecards
        self._store = store
        self._values = values
        self._signer = signer
        self._pdf_signer = pdf_signer
        self._communes = communes
        self._clock = clock
        self._font_path = font_path

    # ------------------------------------------------------------ reading

    def list_reports(self, commune_id: str, status: ReportStatus | None = None) -> list[Report]:
        """The commune's reports (each at its latest version), newest first."""
        return self._store.list(commune_id, status)

    def get_report(self, commune_id: str, report_id: str, version: int | None = None) -> Report:
        found = self._store.get(commune_id, report_id, version)
        if found is None:
            raise NotFoundError("Không tìm thấy báo cáo.", "Report not found.")
        return found

    def latest_sent(self, commune_id: str) -> Report:
        found = self._store.latest_sent(commune_id)
        if found is None:
            raise NotFoundError("Xã chưa gửi báo cáo nào.", "The commune has sent no report yet.")
        return found

    def signed_jws(self, commune_id: str, report_id: str) -> str:
        """The JWS of the report's latest sent version."""
        report = self.get_report(commune_id, report_id)
        version = report.version if report.status == "sent" else (report.correction_of or 0)
        jws = self._store.jws(commune_id, report_id, version) if version else None
        if jws is None:
            raise NotFoundError("Báo cáo này chưa được gửi.", "This report has not been sent yet.")
        return jws

    def sent_version(self, commune_id: str, report_id: str) -> Report:
        """The latest sent version of a report (what the province holds)."""
        report = self.get_report(commune_id, report_id)
        if report.status == "sent":
            return report
        if report.correction_of:
            return self.get_report(commune_id, report_id, report.correction_of)
        raise NotFoundError("Báo cáo này chưa được gửi.", "This report has not been sent yet.")

    def indicator_series(self, commune_id: str, code: str, start: str, end: str) -> list[IndicatorValue]:
        return self._scorecards.series(commune_id, code, start, end)

    def verify(self, jws: str) -> Verification:
        return signing.verify(jws, self.jwks())

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self._signer().public_jwk()]}

    # ------------------------------------------------------------ opening a report

    def open(self, caller: Principal, new: NewReport) -> Report:
        """A report form for a period, its computable values filled in (all criteria unless ``codes`` given)."""
        self._require(caller, PREPARERS)
        kind = period_type_of(new.period)
        indicators = self._catalog.resolve(new.codes) if new.codes else self._catalog.criteria()
        report_id = f"{kind}-{new.period}" if not new.codes else f"{kind}-{new.period}-{uuid.uuid4().hex[:8]}"
        title = new.title_vi or f"Báo cáo tiêu chí xã nông thôn mới thông minh {period_label_vi(new.period)}"
        if self._store.get(caller.commune_id, report_id) is not None:
            raise ConflictError(
                f"Đã có báo cáo {period_label_vi(new.period)}; hãy mở báo cáo đó (mã {report_id}).",
                f"A report for {new.period} exists already: open it ({report_id}).",
            )
        return self._create(
            commune_id=caller.commune_id,
            report_id=report_id,
            title=title,
            kind=kind,
            period=new.period,
            indicators=indicators,
            actor=(caller.subject_id, caller.display_name, caller.primary_role),
        )

    def request_report(self, commune_id: str, request: ReportRequest, requested_by: str) -> Report:
        """An ad hoc report the province asks for (the province API calls this): a draft with its due date."""
        indicators = self._catalog.resolve(request.codes)
        title = request.title_vi or f"Báo cáo theo yêu cầu của tỉnh, {period_label_vi(request.period)}"
        return self._create(
            commune_id=commune_id,
            report_id=f"adhoc-{request.period}-{uuid.uuid4().hex[:8]}",
            title=title,
            kind="adhoc",
            period=request.period,
            indicators=indicators,
            actor=(f"{PROVINCE_ACTOR_PREFIX}{requested_by}", f"Tỉnh ({requested_by})", Role.ADMIN),
            due_date=request.due_date,
            requested_by=requested_by,
            request_note=request.note,
        )

    def _create(
        self,
        *,
        commune_id: str,
        report_id: str,
        title: str,
        kind: Any,
        period: str,
        indicators: list[Indicator],
        actor: tuple[str, str, Role],
        **extra: Any,
    ) -> Report:
        now = self._clock()
        report = Report(
            id=report_id,
            commune_id=commune_id,
            commune_name=self._communes.name_of(commune_id),
            version=1,
            title_vi=title,
            period_type=kind,
            period=period,
            status="draft",
            lines=[self._prefill(commune_id, i, period) for i in indicators],
            steps=[Step(status="draft", by=actor[0], by_name=actor[1], role=actor[2], at=now)],
            created_at=now,
            updated_at=now,
            **extra,
        )
        return self._store.create(report, self._audit(actor[0], actor[2], "report.opened", report, None))

    def _prefill(self, commune_id: str, indicator: Indicator, period: str) -> ReportLine:
        found = self._scorecards.value(commune_id, indicator, period)
        return ReportLine(
            code=indicator.code,
            name_vi=indicator.name_vi,
            unit=indicator.unit,
            target_text=indicator.target_text,
            value=found.value,
            met=is_met(indicator, found.value),
            source=found.source,
            source_detail_vi=found.source_detail_vi,
            evidence=found.evidence,
            entered_by=found.entered_by,
            entered_at=found.entered_at,
            explanation=found.explanation,
        )

    # ------------------------------------------------------------ entry

    def enter_value(self, caller: Principal, new: NewValue) -> IndicatorValue:
        """A value entered outside a report (by the office, leadership, or the indicator's own department)."""
        indicator = self._catalog.get(new.code)
        if not caller.roles & (PREPARERS | {indicator.entered_by}):
            raise ForbiddenError(
                "Chỉ văn phòng, lãnh đạo hoặc bộ phận phụ trách chỉ tiêu này được nhập.",
                "Only the office, leadership or the indicator's department may enter it.",
            )
        return self._save_value(caller, indicator, new, "values")

    def _save_value(self, caller: Principal, indicator: Indicator, new: NewValue, field: str) -> IndicatorValue:
        period = indicator_period(new.period, indicator.period_type)
        last = self._values.before(caller.commune_id, indicator.code, period)
        found = entry.problems(indicator, new.value, last, new.explanation)
        if found:
            raise entry.refuse([(f"{field}.{indicator.code}", p) for p in found])
        value = IndicatorValue(
            commune_id=caller.commune_id,
            code=indicator.code,
            period=period,
            value=new.value,
            source="entered",
            evidence=new.evidence,
            entered_by=caller.display_name,
            entered_role=caller.primary_role,
            entered_at=self._clock(),
            explanation=new.explanation,
        )
        self._values.put(
            value,
            AuditRecord(
                actor_id=caller.subject_id,
                actor_role=caller.primary_role,
                action="indicator.entered",
                target=f"indicator/{indicator.code}/{period}",
                after=value.model_dump(mode="json"),
            ),
        )
        return value

    def fill(self, caller: Principal, report_id: str, fill: Fill) -> Report:
        """Values entered into a draft (each validated and kept as the indicator's value with its evidence)."""
        self._require(caller, PREPARERS)
        before = self.get_report(caller.commune_id, report_id)
        if before.locked:
            raise _locked()
        if before.status != "draft":
            raise _wrong_status(before, "nhập số liệu")
        codes = {line.code for line in before.lines}
        stray = [v.code for v in fill.values if v.code not in codes]
        if stray:
            not_here = ("Chỉ tiêu không có trong báo cáo.", "Not in this report.")
            raise entry.refuse([(f"values.{c}", not_here) for c in stray])
        indicators = {v.code: self._catalog.get(v.code) for v in fill.values}
        found: list[tuple[str, tuple[str, str]]] = []
        for v in fill.values:
            period = indicator_period(before.period, indicators[v.code].period_type)
            last = self._values.before(caller.commune_id, v.code, period)
            found += [(f"values.{v.code}", p) for p in entry.problems(indicators[v.code], v.value, last, v.explanation)]
        if found:
            raise entry.refuse(found)
        entered = {
            v.code: self._save_value(caller, indicators[v.code], _for(v, before.period), "values") for v in fill.values
        }
        lines = [
            line
            if line.code not in entered
            else line.model_copy(
                update={
                    "value": entered[line.code].value,
                    "met": is_met(indicators[line.code], entered[line.code].value),
                    "source": "entered",
                    "source_detail_vi": f"Cán bộ nhập ({caller.display_name})",
                    "evidence": entered[line.code].evidence,
                    "entered_by": caller.display_name,
                    "entered_at": entered[line.code].entered_at,
                    "explanation": entered[line.code].explanation,
                }
            )
            for line in before.lines
        ]
        after = before.model_copy(update={"lines": lines, "updated_at": self._clock()})
        return self._store.save(before, after, self._audit_caller(caller, "report.filled", after, before))

    # ------------------------------------------------------------ workflow

    def submit(self, caller: Principal, report_id: str, note: str | None = None) -> Report:
        self._require(caller, PREPARERS)
        before = self.get_report(caller.commune_id, report_id)
        if before.status != "draft":
            raise _locked() if before.locked else _wrong_status(before, "trình")
        missing = [line.code for line in before.lines if line.value is None]
        if missing:
            raise ConflictError(
                f"Còn chỉ tiêu chưa có số liệu: {', '.join(missing)}.",
                f"Some indicators have no value yet: {', '.join(missing)}.",
            )
        return self._move(caller, before, "submitted", note)

    def return_to_draft(self, caller: Principal, report_id: str, note: str | None = None) -> Report:
        """Leadership sends a submitted or approved report back to the office."""
        self._require(caller, APPROVERS)
        before = self.get_report(caller.commune_id, report_id)
        if before.status not in ("submitted", "approved"):
            raise _locked() if before.locked else _wrong_status(before, "trả lại")
        return self._move(caller, before, "draft", note)

    def approve(self, caller: Principal, report_id: str, note: str | None = None) -> Report:
        self._require(caller, APPROVERS)
        before = self.get_report(caller.commune_id, report_id)
        if before.status != "submitted":
            raise _locked() if before.locked else _wrong_status(before, "duyệt")
        return self._move(caller, before, "approved", note)

    def send(self, caller: Principal, report_id: str, note: str | None = None) -> Report:
        """Freeze, sign (JWS) and lock the approved report: the province reads it from then on."""
        self._require(caller, APPROVERS)
        before = self.get_report(caller.commune_id, report_id)
        if before.status != "approved":
            raise _locked() if before.locked else _wrong_status(before, "gửi")
        now = self._clock()
        step = Step(
            status="sent",
            by=caller.subject_id,
            by_name=caller.display_name,
            role=caller.primary_role,
            at=now,
            note=note,
        )
        signer = self._signer()
        sent = before.model_copy(
            update={"status": "sent", "steps": [*before.steps, step], "updated_at": now, "sent_at": now}
        )
        jws, digest = signing.sign_document(signing.document(sent), signer)
        after = sent.model_copy(update={"document_sha256": digest, "key_id": signer.key_id})
        return self._store.save(before, after, self._audit_caller(caller, "report.sent", after, before), jws=jws)

    def correct(self, caller: Principal, report_id: str, correction: Correction) -> Report:
        """A new version of a sent report, as a draft carrying the reason; the sent version stays as it was."""
        self._require(caller, PREPARERS)
        before = self.get_report(caller.commune_id, report_id)
        if before.status != "sent":
            raise ConflictError(
                "Chỉ đính chính báo cáo đã gửi; báo cáo này vẫn sửa trực tiếp được.",
                "Only a sent report is corrected; this one can still be edited.",
            )
        now = self._clock()
        after = before.model_copy(
            update={
                "version": before.version + 1,
                "status": "draft",
                "steps": [
                    Step(
                        status="draft",
                        by=caller.subject_id,
                        by_name=caller.display_name,
                        role=caller.primary_role,
                        at=now,
                        note=correction.reason,
                    )
                ],
                "correction_of": before.version,
                "correction_reason": correction.reason,
                "created_at": now,
                "updated_at": now,
                "sent_at": None,
                "document_sha256": None,
                "key_id": None,
            }
        )
        return self._store.save(before, after, self._audit_caller(caller, "report.corrected", after, before))

    def _move(self, caller: Principal, before: Report, status: ReportStatus, note: str | None) -> Report:
        now = self._clock()
        step = Step(
            status=status,
            by=caller.subject_id,
            by_name=caller.display_name,
            role=caller.primary_role,
            at=now,
            note=note,
        )
        after = before.model_copy(update={"status": status, "steps": [*before.steps, step], "updated_at": now})
        action = {"submitted": "report.submitted", "approved": "report.approved", "draft": "report.returned"}[status]
        return self._store.save(before, after, self._audit_caller(caller, action, after, before))

    # ------------------------------------------------------------ documents

    def pdf(self, commune_id: str, report_id: str) -> bytes:
        """The latest sent version as a Vietnamese PDF, PAdES-signed."""
        from smartcommune.reporting.logic.pdf import render

        report = self.sent_version(commune_id, report_id)
        return self._pdf_signer().sign(
            render(report, self._font_path),
            reason=f"Báo cáo {report.id} phiên bản {report.version}",
            location=report.commune_name,
        )

    def ca_pem(self) -> str:
        return self._pdf_signer().ca_pem()

    def dhis2(self, commune_id: str, report_id: str) -> dict[str, Any]:
        from smartcommune.reporting.logic.exports import data_value_set

        return data_value_set(self.sent_version(commune_id, report_id), self._catalog)

    def xlsx(self, commune_id: str, report_id: str) -> bytes:
        from smartcommune.reporting.logic.exports import workbook

        return workbook(self.sent_version(commune_id, report_id))

    # ------------------------------------------------------------ helpers

    @staticmethod
    def _require(caller: Principal, roles: frozenset[Role]) -> None:
        if not caller.roles & roles:
            if roles == APPROVERS:
                raise ForbiddenError("Chỉ lãnh đạo xã được duyệt và gửi báo cáo.", "Only leadership approves, sends.")
            raise ForbiddenError("Chỉ văn phòng hoặc lãnh đạo xã lập báo cáo.", "Only the office or leadership.")

    def _audit_caller(self, caller: Principal, action: str, after: Report, before: Report | None) -> AuditRecord:
        return self._audit(caller.subject_id, caller.primary_role, action, after, before)

    @staticmethod
    def _audit(actor: str, role: Role, action: str, after: Report, before: Report | None) -> AuditRecord:
        def brief(r: Report) -> dict[str, Any]:
            return {"version": r.version, "status": r.status, "values": {ln.code: ln.value for ln in r.lines}}

        return AuditRecord(
            actor_id=actor,
            actor_role=role,
            action=action,
            target=f"report/{after.id}",
            before=brief(before) if before else None,
            after={**brief(after), "document_sha256": after.document_sha256, "reason": after.correction_reason},
        )

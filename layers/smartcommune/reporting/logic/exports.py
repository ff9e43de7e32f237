"""Exports of a sent report for the province's systems: DHIS2 ``dataValueSets`` (JSON) and an XLSX workbook.

DHIS2 (``POST /api/dataValueSets``): one data value per indicator with a value, the catalog's data element uid,
the period in DHIS2's notation (``202611``, ``2026Q4``, ``2026``) and the commune as the org unit by its code
(``orgUnitIdScheme: CODE``); the evidence goes in the value's comment.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from smartcommune.core.contracts import VN_TZ
from smartcommune.reporting.contracts import period_type_of
from smartcommune.reporting.logic.pdf import met_text, value_text
from smartcommune.reporting.logic.periods import period_label_vi

if TYPE_CHECKING:
    from smartcommune.reporting.contracts import Report
    from smartcommune.reporting.logic.catalog import IndicatorCatalog

DATA_SET = "NTMTMXAMOI1"  # the smart new-rural commune data set, as the province's DHIS2 names it (11 characters)


def dhis2_period(period: str) -> str:
    kind = period_type_of(period)
    if kind == "monthly":
        return period.replace("-", "")
    if kind == "quarterly":
        return period.replace("-", "")
    return period


def dhis2_value(unit: str, value: float) -> str:
    if unit in ("dat", "count"):
        return str(int(value))
    return f"{value:g}"


def data_value_set(report: Report, catalog: IndicatorCatalog) -> dict[str, Any]:
    period = dhis2_period(report.period)
    values: list[dict[str, Any]] = []
    for line in report.lines:
        element = catalog.get(line.code).dhis2_data_element
        if line.value is None or element is None:
            continue
        value: dict[str, Any] = {
            "dataElement": element,
            "period": period,
            "orgUnit": report.commune_id,
            "value": dhis2_value(line.unit, line.value),
        }
        if line.evidence:
            value["comment"] = line.evidence[:360]
        values.append(value)
    sent = report.sent_at or report.updated_at
    return {
        "dataSet": DATA_SET,
        "completeDate": sent.astimezone(VN_TZ).date().isoformat(),
        "period": period,
        "orgUnit": report.commune_id,
        "orgUnitIdScheme": "CODE",
        "dataValues": values,
    }


def workbook(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Bao cao"
    sheet.append([report.commune_name or report.commune_id])
    sheet.append([report.title_vi])
    sheet.append([f"Kỳ: {period_label_vi(report.period)}", f"Mã: {report.id}", f"Phiên bản: {report.version}"])
    if report.document_sha256:
        sheet.append([f"SHA-256 tài liệu đã ký: {report.document_sha256}"])
    sheet.append([])
    sheet.append(["Mã", "Chỉ tiêu", "Mục tiêu", "Kết quả", "Giá trị", "Đơn vị", "Đánh giá", "Nguồn", "Minh chứng"])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for line in report.lines:
        sheet.append(
            [
                line.code,
                line.name_vi,
                line.target_text,
                value_text(line),
                line.value,
                line.unit,
                met_text(line),
                line.source_detail_vi,
                line.evidence or "",
            ]
        )
    sheet.column_dimensions["B"].width = 80
    sheet.column_dimensions["H"].width = 40
    sheet.column_dimensions["I"].width = 40
    for row in sheet.iter_rows(min_row=header_row + 1):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

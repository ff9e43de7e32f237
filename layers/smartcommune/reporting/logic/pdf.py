"""The report as an official opens it: an A4 PDF in Vietnamese (DejaVu embedded), made from the sent document.

Its signature (PAdES) is added by the PDF signer afterwards, as an incremental update over these bytes.
"""

from __future__ import annotations

from typing import Any

from smartcommune.core.contracts import ROLE_LABELS_VI, VN_TZ, format_date_vn
from smartcommune.reporting.contracts import STATUS_LABELS_VI, Report, ReportLine
from smartcommune.reporting.logic.periods import period_label_vi

BOLD_SUFFIX = "-Bold"


def value_text(line: ReportLine) -> str:
    if line.value is None:
        return "—"
    if line.unit == "dat":
        return "Đạt" if line.value >= 1 else "Chưa đạt"
    if line.unit == "percent":
        return f"{line.value:g}%".replace(".", ",")
    return f"{line.value:g}".replace(".", ",")


def met_text(line: ReportLine) -> str:
    return {True: "Đạt", False: "Chưa đạt", None: "—"}[line.met]


def render(report: Report, font_path: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(report.title_vi)
    pdf.set_author(report.commune_name or report.commune_id)
    pdf.set_creator("SmartCommune")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.add_font("dejavu", "", font_path)
    bold = font_path.replace(".ttf", f"{BOLD_SUFFIX}.ttf")
    try:
        pdf.add_font("dejavu", "B", bold)
        strong = "B"
    except (OSError, FileNotFoundError):
        strong = ""
    _header(pdf, report, strong)
    _table(pdf, report, strong)
    _footer(pdf, report)
    return bytes(pdf.output())


def _header(pdf: Any, report: Report, strong: str) -> None:
    pdf.set_font("dejavu", strong, 11)
    pdf.cell(95, 6, (report.commune_name or report.commune_id).upper())
    pdf.cell(0, 6, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("dejavu", "", 10)
    pdf.cell(95, 6, f"Số: {report.id} (phiên bản {report.version})")
    pdf.cell(0, 6, "Độc lập - Tự do - Hạnh phúc", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("dejavu", strong, 14)
    pdf.multi_cell(0, 8, report.title_vi.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("dejavu", "", 10)
    pdf.multi_cell(0, 6, f"Kỳ báo cáo: {period_label_vi(report.period)}", align="C", new_x="LMARGIN", new_y="NEXT")
    if report.due_date:
        pdf.multi_cell(0, 6, f"Hạn gửi theo yêu cầu của tỉnh: {format_date_vn(report.due_date)}", align="C",
                       new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    if report.correction_of:
        pdf.multi_cell(0, 6, f"Đính chính phiên bản {report.correction_of}. Lý do: {report.correction_reason}",
                       new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.ln(3)


def _table(pdf: Any, report: Report, strong: str) -> None:
    widths = (14, 86, 22, 26, 22)
    pdf.set_font("dejavu", strong, 9)
    for width, head in zip(widths, ("Mã", "Chỉ tiêu", "Mục tiêu", "Kết quả", "Đánh giá"), strict=True):
        pdf.cell(width, 7, head, border=1, align="C")
    pdf.ln()
    pdf.set_font("dejavu", "", 8)
    for line in report.lines:
        name = line.name_vi if len(line.name_vi) <= 150 else line.name_vi[:147] + "…"
        cells = (line.code, name, line.target_text, value_text(line), met_text(line))
        lines_needed = max(1, len(pdf.multi_cell(widths[1], 4.5, name, dry_run=True, output="LINES")))
        height = 4.5 * lines_needed
        if pdf.get_y() + height > pdf.h - pdf.b_margin:
            pdf.add_page()
        y = pdf.get_y()
        x = pdf.l_margin
        for width, text in zip(widths, cells, strict=True):
            pdf.set_xy(x, y)
            if width == widths[1]:
                pdf.multi_cell(width, 4.5, text, border=1)
            else:
                pdf.multi_cell(width, height, text, border=1, align="C")
            x += width
        pdf.set_xy(pdf.l_margin, y + height)


def _footer(pdf: Any, report: Report) -> None:
    pdf.ln(4)
    pdf.set_font("dejavu", "", 9)
    pdf.multi_cell(0, 5, "Nguồn số liệu và minh chứng:", new_x="LMARGIN", new_y="NEXT")
    for line in report.lines:
        source = {"computed": "tính từ dữ liệu nền tảng", "entered": "cán bộ nhập", "missing": "chưa có"}[line.source]
        detail = f"{line.code}: {source}. {line.source_detail_vi}"
        if line.evidence:
            detail += f" Minh chứng: {line.evidence}"
        pdf.multi_cell(0, 4.5, detail, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for step in report.steps:
        when = step.at.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")
        who = f"{step.by_name} ({ROLE_LABELS_VI.get(step.role, step.role)})"
        note = f" — {step.note}" if step.note else ""
        pdf.multi_cell(0, 5, f"{STATUS_LABELS_VI[step.status]}: {who}, {when}{note}", new_x="LMARGIN", new_y="NEXT")
    if report.document_sha256:
        pdf.ln(2)
        pdf.multi_cell(
            0,
            4.5,
            f"Bản điện tử có chữ ký JWS (ES256, khóa {report.key_id}); SHA-256 tài liệu chuẩn hóa: "
            f"{report.document_sha256}",
            new_x="LMARGIN",
            new_y="NEXT",
        )

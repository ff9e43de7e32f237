"""Electronic receipts (biên lai điện tử), pure: the series, the amount in Vietnamese words, the page and the PDF.

Numbers are sequential within a series with no gaps: the storage claims number N only together with moving the
series counter from N-1 to N and marking the invoice, in one conditional transaction (``fees.storage``).
"""

from __future__ import annotations

import html
from datetime import datetime

from smartcommune.core.contracts import VN_TZ, format_date_vn, format_vnd
from smartcommune.fees.contracts import Receipt, ReceiptView, format_period_vn

CHANNEL_LABELS_VI: dict[str, str] = {
    "vietqr": "Chuyển khoản VietQR",
    "gateway": "Cổng thanh toán",
    "cash": "Tiền mặt tại văn phòng",
}


def series_for(commune_prefix: str, issued_at: datetime) -> str:
    """``GP-26E``: the commune's prefix, the two-digit year (Vietnam time), ``E`` for electronic."""
    return f"{commune_prefix}-{issued_at.astimezone(VN_TZ).year % 100:02d}E"


_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_GROUPS = ("", "nghìn", "triệu", "tỷ", "nghìn tỷ", "triệu tỷ")


def _three(n: int, inner: bool) -> list[str]:
    """Words of 0..999; an ``inner`` group (after a higher one) reads its zero hundreds: "không trăm lẻ năm"."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words = [_DIGITS[hundreds], "trăm"] if hundreds or inner else []
    if tens == 0:
        if units and words:
            words.append("lẻ")
        if units:
            words.append(_DIGITS[units])
    elif tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else _DIGITS[units])
    else:
        words += [_DIGITS[tens], "mươi"]
        if units:
            words.append({1: "mốt", 5: "lăm"}.get(units, _DIGITS[units]))
    return words


def number_in_words(number: int) -> str:
    """A whole number read in Vietnamese as invoices write it: ``1005000`` → ``một triệu không trăm lẻ năm nghìn``."""
    if number < 0 or number >= 1000 ** len(_GROUPS):
        raise ValueError(f"out of range: {number}")
    if number == 0:
        return "không"
    groups: list[int] = []
    while number:
        groups.append(number % 1000)
        number //= 1000
    words: list[str] = []
    for index in reversed(range(len(groups))):
        if groups[index]:
            words += _three(groups[index], inner=bool(words))
            if _GROUPS[index]:
                words.append(_GROUPS[index])
    return " ".join(words)


def amount_in_words(amount_vnd: int) -> str:
    """``1250000`` → ``Một triệu hai trăm năm mươi nghìn đồng`` (the tests check it against num2words)."""
    words = number_in_words(amount_vnd)
    return words[:1].upper() + words[1:] + " đồng"


def receipt_view(receipt: Receipt, base_path: str) -> ReceiptView:
    return ReceiptView(
        receipt_no=receipt.receipt_no,
        series=receipt.series,
        number=receipt.number,
        payer_name=receipt.payer_name,
        fee_name=receipt.fee_name,
        period_label=format_period_vn(receipt.period),
        amount_vnd=receipt.amount_vnd,
        amount_label=format_vnd(receipt.amount_vnd),
        amount_words=receipt.amount_words,
        date=format_date_vn(receipt.issued_at),
        channel=receipt.channel,
        invoice_ref=receipt.invoice_ref,
        html_url=f"{base_path}.html",
        pdf_url=f"{base_path}.pdf",
    )


def _lines(receipt: Receipt) -> list[tuple[str, str]]:
    return [
        ("Ký hiệu", receipt.series),
        ("Số", f"{receipt.number:07d}"),
        ("Ngày", format_date_vn(receipt.issued_at)),
        ("Người nộp", receipt.payer_name),
        ("Mã hộ", receipt.household_id),
        ("Khoản thu", f"{receipt.fee_name} ({format_period_vn(receipt.period)})"),
        ("Số tiền", format_vnd(receipt.amount_vnd)),
        ("Bằng chữ", receipt.amount_words),
        ("Hình thức", CHANNEL_LABELS_VI[receipt.channel]),
        ("Mã hóa đơn", receipt.invoice_ref),
    ]


def receipt_html(receipt: Receipt) -> str:
    """A self-contained page (no script, inline style only) that prints on one A5 sheet."""
    rows = "\n".join(
        f"<tr><th scope='row'>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>"
        for label, value in _lines(receipt)
    )
    title = f"Biên lai thu {receipt.receipt_no}"
    return f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:1rem auto;padding:0 1rem}}
th{{text-align:left;padding:.25rem .75rem .25rem 0;vertical-align:top}}h1{{font-size:1.25rem}}</style></head>
<body><p>{html.escape(receipt.commune_name.upper())}</p>
<h1>BIÊN LAI THU PHÍ, LỆ PHÍ (ĐIỆN TỬ)</h1>
<table>
{rows}
</table>
<p>Biên lai điện tử có giá trị như biên lai giấy.</p></body></html>
"""


def receipt_pdf(receipt: Receipt, font_path: str) -> bytes:
    """The receipt as a PDF with ``font_path`` (a TrueType font with Vietnamese glyphs) embedded."""
    from fpdf import FPDF

    pdf = FPDF(format=(148, 210))  # A5, in mm
    pdf.set_title(f"Biên lai thu {receipt.receipt_no}")
    pdf.set_author(receipt.commune_name)
    pdf.add_font("receipt", "", font_path)
    pdf.add_page()
    pdf.set_font("receipt", size=10)
    pdf.cell(0, 6, receipt.commune_name.upper(), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("receipt", size=13)
    pdf.multi_cell(0, 8, "BIÊN LAI THU PHÍ, LỆ PHÍ (ĐIỆN TỬ)", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("receipt", size=10)
    for label, value in _lines(receipt):
        pdf.cell(32, 6, f"{label}:")
        pdf.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.multi_cell(0, 6, "Biên lai điện tử có giá trị như biên lai giấy.", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())

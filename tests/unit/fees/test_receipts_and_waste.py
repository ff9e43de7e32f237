"""Receipts (amount in Vietnamese words, page, PDF read back by an independent reader) and waste-collection
schedules (solar and lunar holidays, the iCalendar feed parsed by the icalendar library)."""

from __future__ import annotations

import io
import random
from datetime import UTC, date, datetime

import icalendar
import pytest
from lunardate import LunarDate
from pypdf import PdfReader

from smartcommune.core.settings import Settings
from smartcommune.fees.contracts import Receipt, WasteChange, WasteRoute
from smartcommune.fees.logic import receipts, waste

NOW = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (30000, "Ba mươi nghìn đồng"),
        (15000, "Mười lăm nghìn đồng"),
        (150000, "Một trăm năm mươi nghìn đồng"),
        (1250000, "Một triệu hai trăm năm mươi nghìn đồng"),
        (45500, "Bốn mươi lăm nghìn năm trăm đồng"),
    ],
)
def test_amounts_in_vietnamese_words(amount: int, words: str):
    assert receipts.amount_in_words(amount) == words


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (1005000, "một triệu không trăm lẻ năm nghìn"),
        (1000005, "một triệu không trăm lẻ năm"),
        (2000000000, "hai tỷ"),
        (105, "một trăm lẻ năm"),
        (1021, "một nghìn không trăm hai mươi mốt"),
        (0, "không"),
    ],
)
def test_inner_zero_hundreds_are_read_as_invoices_write_them(number: int, words: str):
    assert receipts.number_in_words(number) == words


def test_numbers_read_as_an_independent_library_reads_them():
    from num2words import num2words

    rng = random.Random(7)
    # num2words leaves out an inner "không trăm"; where no inner group starts with a zero both read the same
    samples = [n for n in (rng.randrange(1, 10**10) for _ in range(3000)) if all(g >= 100 for g in _inner_groups(n))]
    samples += list(range(1, 1000))
    for number in samples:
        assert receipts.number_in_words(number) == num2words(number, lang="vi"), number


def _inner_groups(number: int) -> list[int]:
    groups = []
    while number >= 1000:
        groups.append(number % 1000)
        number //= 1000
    return groups


def _receipt(number: int = 7) -> Receipt:
    return Receipt(
        series=receipts.series_for("GP", NOW),
        number=number,
        commune_id="giao-phong",
        commune_name="Xã Giao Phong",
        invoice_ref="HPABCDEFGHIJ",
        household_id="gp-0001",
        payer_name="Nguyễn Văn An",
        fee_name="Phí thu gom rác thải sinh hoạt",
        period="2026-11",
        amount_vnd=30000,
        amount_words=receipts.amount_in_words(30000),
        channel="vietqr",
        issued_at=NOW,
    )


def test_the_receipt_page_and_pdf_say_who_paid_what_in_vietnamese():
    receipt = _receipt()
    assert receipt.receipt_no == "GP-26E/0000007"
    page = receipts.receipt_html(receipt)
    for text in ("GP-26E", "0000007", "29/11/2026", "Nguyễn Văn An", "30.000 ₫", "Ba mươi nghìn đồng", "tháng 11/2026"):
        assert text in page
    pdf = receipts.receipt_pdf(receipt, Settings().receipt_font_path)
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for words in ("BIÊN LAI THU PHÍ", "Nguyễn Văn An", "Ba mươi nghìn đồng", "29/11/2026", "0000007", "Chuyển khoản"):
        assert words in text
    fonts = reader.pages[0]["/Resources"]["/Font"]
    descriptor = next(iter(fonts.values())).get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
    assert "/FontFile2" in descriptor.get_object()  # the TrueType font is embedded, not referenced


# Tết (mùng 1) as published in Vietnam, against the library and against a second lunar calendar.
TET = {2025: date(2025, 1, 29), 2026: date(2026, 2, 17), 2027: date(2027, 2, 6), 2028: date(2028, 1, 26)}


@pytest.mark.parametrize("year", sorted(TET))
def test_tet_falls_on_the_published_day(year: int):
    assert waste.lunar_to_solar(year, 1, 1) == TET[year] == LunarDate(year, 1, 1).to_solar_date()
    days = waste.holidays(year)
    assert days[TET[year]] == "Tết Nguyên đán: Mùng 1 Tết"
    assert "30 Tết" in days[date.fromordinal(TET[year].toordinal() - 1)]


ROUTE = WasteRoute(
    id="xom-1-truc", hamlet_id="xom-1", name="Đường trục Xóm 1", weekdays=[0, 3], start="06:00", end="07:30"
)


def test_collections_on_tet_move_to_the_next_working_day():
    # Tết 2027: 05/02 (30 Tết, Friday) to 08/02 (mùng 3, Monday); the Thursday before is an ordinary day
    items = waste.collections([ROUTE], [], "xom-1", date(2027, 2, 1), date(2027, 2, 14))
    assert [(c.planned_day, c.day) for c in items] == [
        (date(2027, 2, 1), date(2027, 2, 1)),
        (date(2027, 2, 4), date(2027, 2, 4)),
        (date(2027, 2, 8), date(2027, 2, 9)),  # Monday is mùng 3 Tết: moved to Tuesday
        (date(2027, 2, 11), date(2027, 2, 11)),
    ]
    assert items[2].note == "Nghỉ Tết Nguyên đán: Mùng 3 Tết: chuyển sang 09/02/2027"
    # 2/9 (Quốc khánh) 2027 is a Thursday: moved to Friday
    september = waste.collections([ROUTE], [], "xom-1", date(2027, 9, 1), date(2027, 9, 5))
    assert [c.day for c in september] == [date(2027, 9, 3)]


def test_a_staff_change_wins_over_the_rules():
    changes = [
        WasteChange(hamlet_id="xom-1", day=date(2026, 12, 3), moved_to=date(2026, 12, 5), reason="Xe hỏng",
                    created_by="x", created_at=NOW),
        WasteChange(hamlet_id="xom-1", day=date(2026, 12, 7), reason="Mưa bão", created_by="x", created_at=NOW),
        WasteChange(hamlet_id="xom-2", day=date(2026, 12, 10), reason="Không liên quan", created_by="x",
                    created_at=NOW),
    ]  # fmt: skip
    items = waste.collections([ROUTE], changes, "xom-1", date(2026, 11, 30), date(2026, 12, 13))
    assert [c.day for c in items] == [date(2026, 11, 30), date(2026, 12, 5), date(2026, 12, 10)]


def test_the_feed_parses_with_the_icalendar_library():
    items = waste.collections([ROUTE], [], "xom-1", date(2027, 2, 1), date(2027, 2, 14))
    long_route = ROUTE.model_copy(update={"streets": "Đường trục xóm, " * 12})
    items += waste.collections([long_route], [], "xom-1", date(2027, 3, 1), date(2027, 3, 1))
    feed = waste.ical("giao-phong", "Lịch thu gom rác Xóm 1", items, NOW, ", Xóm 1, Xã Giao Phong")
    assert all(len(line.encode()) <= 75 for line in feed.split("\r\n"))
    calendar = icalendar.Calendar.from_ical(feed)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 5
    tet = events[2]
    assert tet.decoded("DTSTART") == datetime(2027, 2, 8, 23, 0, tzinfo=UTC)  # 06:00 on 09/02 in Vietnam
    assert str(tet["SUMMARY"]) == "Thu gom rác: Đường trục Xóm 1"
    assert "Mùng 3 Tết" in str(tet["DESCRIPTION"])
    assert str(events[-1]["DESCRIPTION"]) == long_route.streets
    assert len({str(e["UID"]) for e in events}) == 5

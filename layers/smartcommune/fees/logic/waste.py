"""Waste-collection schedules (criterion 16.4), pure: holidays (solar and lunar), the collections that will happen,
and the iCalendar feed (RFC 5545) citizens subscribe to.

A collection day that falls on a public holiday moves to the next day that is not one: the Tết days (the last day
of the lunar year and the first three days of the new one), the Hùng Kings' day (10/3 lunar), 1/1, 30/4, 1/5 and
2/9. Lunar dates come from ``lunarcalendar`` (the Chinese calendar, UTC+8); Vietnam's (UTC+7) gives the same Tết in
every year from 2008 to 2035 (the tests check the published dates), and where the two ever differ a staff change
(moved or cancelled, for one hamlet and day) wins over the rules.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache

from smartcommune.core.contracts import VN_TZ, format_date_vn
from smartcommune.fees.contracts import Collection, WasteChange, WasteRoute

SOLAR_HOLIDAYS: dict[tuple[int, int], str] = {
    (1, 1): "Tết Dương lịch",
    (4, 30): "Ngày Giải phóng miền Nam",
    (5, 1): "Ngày Quốc tế Lao động",
    (9, 2): "Quốc khánh",
}


def lunar_to_solar(year: int, month: int, day: int) -> date:
    from lunarcalendar import Converter, Lunar

    solar = Converter.Lunar2Solar(Lunar(year, month, day, isleap=False))
    return date(solar.year, solar.month, solar.day)


@cache
def holidays(year: int) -> dict[date, str]:
    """Every public holiday that touches solar ``year``, by day, with its Vietnamese name."""
    out: dict[date, str] = {date(year, m, d): name for (m, d), name in SOLAR_HOLIDAYS.items()}
    for lunar_year in (year - 1, year, year + 1):
        new_year = lunar_to_solar(lunar_year, 1, 1)
        for offset, name in ((-1, "Tất niên (30 Tết)"), (0, "Mùng 1 Tết"), (1, "Mùng 2 Tết"), (2, "Mùng 3 Tết")):
            day = new_year + timedelta(days=offset)
            if day.year == year:
                out[day] = f"Tết Nguyên đán: {name}"
        hung = lunar_to_solar(lunar_year, 3, 10)
        if hung.year == year:
            out[hung] = "Giỗ Tổ Hùng Vương"
    return out


def holiday(day: date) -> str | None:
    return holidays(day.year).get(day)


def next_working_day(day: date) -> date:
    moved = day + timedelta(days=1)
    while holiday(moved) is not None:
        moved += timedelta(days=1)
    return moved


def collections(
    routes: list[WasteRoute], changes: list[WasteChange], hamlet_id: str, start: date, end: date
) -> list[Collection]:
    """The hamlet's collections from ``start`` to ``end`` (inclusive), in order."""
    by_day = {c.day: c for c in changes if c.hamlet_id == hamlet_id}
    out: list[Collection] = []
    day = start - timedelta(days=7)  # a collection planned just before ``start`` may move into the window
    while day <= end:
        for route in routes:
            if route.hamlet_id != hamlet_id or day.weekday() not in route.weekdays:
                continue
            actual, note = day, None
            change = by_day.get(day)
            if change is not None:
                if change.moved_to is None:
                    continue
                actual = change.moved_to
                note = f"Đổi lịch: {change.reason}"
            elif (name := holiday(day)) is not None:
                actual = next_working_day(day)
                note = f"Nghỉ {name}: chuyển sang {format_date_vn(actual)}"
            if start <= actual <= end:
                out.append(
                    Collection(
                        hamlet_id=hamlet_id,
                        route_id=route.id,
                        route_name=route.name,
                        streets=route.streets,
                        day=actual,
                        start=route.start,
                        end=route.end,
                        planned_day=day,
                        note=note,
                    )
                )
        day += timedelta(days=1)
    return sorted(out, key=lambda c: (c.day, c.start, c.route_id))


# ---------------------------------------------------------------- iCalendar (RFC 5545), written by hand


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1), never inside a
    UTF-8 character."""
    out: list[str] = []
    current = ""
    for char in line:
        limit = 75 if not out else 74
        if len((current + char).encode()) > limit:
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return "\r\n ".join(out)


def _utc(day: date, hhmm: str) -> str:
    local = datetime(day.year, day.month, day.day, int(hhmm[:2]), int(hhmm[3:]), tzinfo=VN_TZ)
    return local.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def ical(commune_id: str, calendar_name: str, items: list[Collection], now: datetime, location_suffix: str = "") -> str:
    """The feed: one VEVENT per collection, times in UTC (Vietnam keeps no daylight saving)."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//SmartCommune//Lich thu gom rac//VI",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(calendar_name)}",
        "X-WR-TIMEZONE:Asia/Ho_Chi_Minh",
    ]
    for item in items:
        description = item.streets or item.route_name
        if item.note:
            description = f"{description}\n{item.note}"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{item.route_id}-{item.planned_day.isoformat()}@{commune_id}.smartcommune",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_utc(item.day, item.start)}",
            f"DTEND:{_utc(item.day, item.end)}",
            f"SUMMARY:{_escape('Thu gom rác: ' + item.route_name)}",
            f"LOCATION:{_escape(item.route_name + location_suffix)}",
            f"DESCRIPTION:{_escape(description)}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)

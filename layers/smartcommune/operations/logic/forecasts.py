"""Forecasts from the population register: school entry, conscription age, elderly needing care.

Pure: the register arrives as :class:`Person` records (a birth date, or the birth year and sex a CCCD encodes).
Each forecast says in words how it is computed (``methods_vi``), and the page shows that text beside the numbers.

- School entry: a child enters grade 1 in September of the calendar year it turns 6 (Luật Giáo dục 2019, Điều 28),
  so the entrants of year ``Y`` are the people born in ``Y - 6``. Classes of at most 35 pupils (Điều lệ trường tiểu
  học, Thông tư 28/2020/TT-BGDĐT) and 1.5 teachers per class for full-day teaching (Thông tư 16/2017/TT-BGDĐT).
  Citizen accounts start at 16, so young children are usually missing from the register: a year whose birth cohort
  the register does not cover is *estimated* from the commune's population and a stated crude birth rate, and is
  marked so.
- Conscription: men reaching 18 in each year (Luật Nghĩa vụ quân sự 2015, Điều 30), from the CCCD's sex digit.
- Elderly: people aged 60 and over (Luật Người cao tuổi 2009) and 80 and over, per hamlet, and those turning 60.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from smartcommune.operations.contracts import ElderlyCare, Forecasts, SchoolEntryYear, YearCount

SCHOOL_AGE = 6
CONSCRIPTION_AGE = 18
ELDERLY_AGE = 60
VERY_OLD_AGE = 80
CLASS_SIZE = 35
TEACHERS_PER_CLASS = 1.5
BIRTH_RATE_PER_MILLE = 14.0
"""Assumed crude birth rate (births per 1,000 people a year) for cohorts the register does not hold."""
YEARS_AHEAD = 5

# CCCD digit 4: century and sex (0/1: 1900s male/female, 2/3: 2000s, 4/5: 2100s, 6/7: 2200s, 8/9: 1800s).
_CENTURY = {0: 1900, 1: 1900, 2: 2000, 3: 2000, 4: 2100, 5: 2100, 6: 2200, 7: 2200, 8: 1800, 9: 1800}


@dataclass(frozen=True)
class Person:
    """What a forecast needs of one register entry: birth year (and date when known), sex when known, hamlet."""

    birth_year: int
    birth_date: date | None = None
    sex: str | None = None  # "male" | "female" | None
    hamlet_id: str | None = None


def from_cccd(cccd: str) -> tuple[int, str] | None:
    """Birth year and sex a 12-digit CCCD encodes (digits 4–6), or ``None`` for anything else."""
    if len(cccd) != 12 or not cccd.isdigit():
        return None
    code = int(cccd[3])
    return _CENTURY[code] + int(cccd[4:6]), "female" if code % 2 else "male"


def person_of(birth_date: date | None, cccd: str | None, hamlet_id: str | None) -> Person | None:
    """A register entry as a :class:`Person`: the birth date wins; else the CCCD's year; else unknown (``None``)."""
    decoded = from_cccd(cccd) if cccd else None
    sex = decoded[1] if decoded else None
    if birth_date is not None:
        return Person(birth_date.year, birth_date, sex, hamlet_id)
    if decoded is not None:
        return Person(decoded[0], None, sex, hamlet_id)
    return None


def age_on(person: Person, day: date) -> int:
    """Age in whole years on ``day`` (with only a birth year: the age reached during that year)."""
    if person.birth_date is None:
        return day.year - person.birth_year
    born = person.birth_date
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def forecast(
    people: list[Person],
    today: date,
    *,
    unknown: int = 0,
    population: int | None = None,
    years: int = YEARS_AHEAD,
    class_size: int = CLASS_SIZE,
    teachers_per_class: float = TEACHERS_PER_CLASS,
    birth_rate_per_mille: float = BIRTH_RATE_PER_MILLE,
    source_vi: str = "sổ dân cư",
) -> Forecasts:
    """The forecasts for the ``years`` calendar years from ``today``'s (``unknown``: entries without a birth)."""
    by_year: dict[int, int] = {}
    men_by_year: dict[int, int] = {}
    for p in people:
        by_year[p.birth_year] = by_year.get(p.birth_year, 0) + 1
        if p.sex == "male":
            men_by_year[p.birth_year] = men_by_year.get(p.birth_year, 0) + 1
    youngest = max(by_year) if by_year else None
    estimated_births = round((population or 0) * birth_rate_per_mille / 1000)
    span = range(today.year, today.year + years)

    school: list[SchoolEntryYear] = []
    for year in span:
        cohort = year - SCHOOL_AGE
        covered = youngest is not None and cohort <= youngest and by_year.get(cohort, 0) > 0
        children = by_year.get(cohort, 0) if covered or not population else estimated_births
        classes = math.ceil(children / class_size) if children else 0
        school.append(
            SchoolEntryYear(
                year=year,
                children=children,
                classes=classes,
                teachers=math.ceil(classes * teachers_per_class),
                source="register" if covered or not population else "estimate",
            )
        )

    conscription = []
    for year in span:
        cohort = year - CONSCRIPTION_AGE
        covered = youngest is not None and cohort <= youngest and by_year.get(cohort, 0) > 0
        if covered or not population:
            conscription.append(YearCount(year=year, count=men_by_year.get(cohort, 0), source="register"))
        else:  # about half of each birth cohort is male
            conscription.append(YearCount(year=year, count=round(estimated_births / 2), source="estimate"))

    ages = [(p, age_on(p, today)) for p in people]
    by_hamlet: dict[str, int] = {}
    for p, age in ages:
        if age >= ELDERLY_AGE:
            key = p.hamlet_id or "unknown"
            by_hamlet[key] = by_hamlet.get(key, 0) + 1
    elderly = ElderlyCare(
        aged_60_plus=sum(1 for _p, age in ages if age >= ELDERLY_AGE),
        aged_80_plus=sum(1 for _p, age in ages if age >= VERY_OLD_AGE),
        by_hamlet=dict(sorted(by_hamlet.items())),
        turning_60=[YearCount(year=y, count=by_year.get(y - ELDERLY_AGE, 0)) for y in span],
    )
    return Forecasts(
        as_of=today,
        people_counted=len(people),
        people_without_birth=unknown,
        population=population,
        school_entry=school,
        conscription=conscription,
        elderly=elderly,
        class_size=class_size,
        teachers_per_class=teachers_per_class,
        birth_rate_per_mille=birth_rate_per_mille,
        methods_vi=methods_vi(
            len(people), unknown, population, class_size, teachers_per_class, birth_rate_per_mille, source_vi
        ),
    )


def methods_vi(  # noqa: PLR0917 (the figures the sentences state)
    counted: int,
    unknown: int,
    population: int | None,
    class_size: int,
    teachers_per_class: float,
    birth_rate: float,
    source_vi: str = "sổ dân cư",
) -> dict[str, str]:
    """The method of each forecast in one or two Vietnamese sentences (what the screen shows)."""
    ratio = f"{teachers_per_class:g}".replace(".", ",")
    rate = f"{birth_rate:g}".replace(".", ",")
    base = f"Tính từ {counted} người trong {source_vi}" + (
        f" ({unknown} người chưa có ngày sinh, không tính)." if unknown else "."
    )
    estimate = (
        f" Năm mà sổ chưa có lứa tuổi đó được ước tính: dân số {population} người "
        f"× tỷ suất sinh thô {rate}‰ mỗi năm, ghi rõ «ước tính»."
        if population
        else ""
    )
    return {
        "school_entry": (
            f"{base} Trẻ vào lớp 1 năm Y là trẻ sinh năm Y − 6 (Luật Giáo dục 2019). Số lớp = số trẻ chia {class_size} "
            f"em/lớp, làm tròn lên; số giáo viên = số lớp × {ratio} (dạy 2 buổi/ngày, Thông tư 16/2017/TT-BGDĐT)."
            f"{estimate}"
        ),
        "conscription": (
            f"{base} Nam đủ 18 tuổi trong năm Y là nam sinh năm Y − 18 (Luật Nghĩa vụ quân sự 2015); giới tính "
            f"theo chữ số thứ 4 của CCCD.{estimate.replace('ước tính:', 'ước tính: một nửa của')}"
        ),
        "elderly": (
            f"{base} Người cao tuổi: đủ 60 tuổi trở lên (Luật Người cao tuổi 2009); từ 80 tuổi cần chăm sóc nhiều hơn. "
            "Tính theo tuổi tròn hôm nay, theo từng xóm."
        ),
    }

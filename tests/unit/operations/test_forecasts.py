"""Forecasts from the register: school entry (classes, teachers), conscription age, elderly; the CCCD's birth year
and sex; estimates where the register does not hold a cohort, marked as such."""

from __future__ import annotations

from datetime import date

from smartcommune.operations.logic.forecasts import Person, age_on, forecast, from_cccd, person_of

TODAY = date(2026, 12, 3)


def _born(year: int, n: int, *, sex: str | None = None, hamlet: str = "xom-1") -> list[Person]:
    return [Person(year, date(year, 6, 1), sex, hamlet) for _ in range(n)]


def test_a_cccd_gives_birth_year_and_sex():
    assert from_cccd("036209123456") == (2009, "male")
    assert from_cccd("036178123456") == (1978, "female")
    assert from_cccd("036378123456") == (2078, "female")
    assert from_cccd("12345") is None and from_cccd("03620912345x") is None
    # the birth date wins over the CCCD's year; the CCCD still gives the sex
    assert person_of(date(2008, 12, 31), "036209123456", "a") == Person(2008, date(2008, 12, 31), "male", "a")
    assert person_of(None, None, "a") is None


def test_age_counts_whole_years():
    assert age_on(Person(1966, date(1966, 12, 4)), TODAY) == 59
    assert age_on(Person(1966, date(1966, 12, 3)), TODAY) == 60
    assert age_on(Person(1966), TODAY) == 60  # only a year: the age reached this year


def test_school_entry_gives_classes_of_35_and_one_and_a_half_teachers_per_class():
    # Given 71 children born 2021 and 35 born 2022 in the register
    people = _born(2021, 71) + _born(2022, 35)
    f = forecast(people, TODAY)
    by_year = {y.year: y for y in f.school_entry}
    # Then 2027's grade 1 (born 2021) needs 3 classes and 5 teachers (3 × 1.5 rounded up); 2028's 1 class, 2
    assert (by_year[2027].children, by_year[2027].classes, by_year[2027].teachers) == (71, 3, 5)
    assert (by_year[2028].children, by_year[2028].classes, by_year[2028].teachers) == (35, 1, 2)
    assert [y.year for y in f.school_entry] == [2026, 2027, 2028, 2029, 2030]
    assert all(y.source == "register" for y in f.school_entry)


def test_cohorts_the_register_lacks_are_estimated_from_population_and_say_so():
    # Given a register of adults only (accounts from 16) and a commune of 6,835 people
    people = _born(1980, 50) + _born(2010, 10, sex="male")
    f = forecast(people, TODAY, population=6835)
    # Then school entry is an estimate: 6,835 × 14‰ ≈ 96 children a year, 3 classes, 5 teachers
    first = f.school_entry[0]
    assert (first.children, first.classes, first.teachers, first.source) == (96, 3, 5, "estimate")
    # And men reaching 18 in 2028 (born 2010) come from the register, later years are estimated (half a cohort)
    conscription = {y.year: y for y in f.conscription}
    assert (conscription[2028].count, conscription[2028].source) == (10, "register")
    assert (conscription[2030].count, conscription[2030].source) == (48, "estimate")
    assert "14‰" in f.methods_vi["school_entry"] and "ước tính" in f.methods_vi["school_entry"]


def test_conscription_counts_men_only():
    people = _born(2009, 4, sex="male") + _born(2009, 3, sex="female") + _born(2009, 2)
    f = forecast(people, TODAY)
    assert {y.year: y.count for y in f.conscription}[2027] == 4


def test_elderly_by_hamlet_and_those_turning_60():
    people = (
        _born(1940, 2, hamlet="bac-hai")
        + _born(1960, 3, hamlet="dong-thanh")
        + _born(1967, 4, hamlet="dong-thanh")
        + _born(1990, 5)
    )
    f = forecast(people, TODAY, unknown=2)
    assert (f.elderly.aged_60_plus, f.elderly.aged_80_plus) == (5, 2)
    assert f.elderly.by_hamlet == {"bac-hai": 2, "dong-thanh": 3}
    assert {y.year: y.count for y in f.elderly.turning_60}[2027] == 4
    assert (f.people_counted, f.people_without_birth) == (14, 2)
    assert "2 người chưa có ngày sinh" in f.methods_vi["elderly"]

"""The age pyramid: each birth year falls in the band of the age it reaches this year."""

from datetime import date

from smartcommune.population.contracts import AgeProfile, SexCounts
from smartcommune.population.logic import age_bands


def test_birth_years_fall_in_five_year_bands_and_the_oldest_are_grouped_as_80_plus() -> None:
    profile = AgeProfile(
        commune_id="giao-phong",
        households=2,
        residents=6,
        by_birth_year={
            2026: SexCounts(female=1),
            2020: SexCounts(male=1),  # 6 in 2026
            2017: SexCounts(male=1),  # 9
            2016: SexCounts(female=1),  # 10
            1940: SexCounts(male=1),  # 86
            1946: SexCounts(female=1),  # 80
        },
    )
    bands = {b.label: (b.male, b.female) for b in age_bands(profile, date(2026, 12, 3))}
    assert bands["0–4"] == (0, 1)
    assert bands["5–9"] == (2, 0)
    assert bands["10–14"] == (0, 1)
    assert bands["80+"] == (1, 1)
    assert list(bands)[-1] == "80+" and len(bands) == 17

"""The demo data of Giao Phong looks like a real Vietnamese commune and passes the platform's own validation."""

from __future__ import annotations

import random
import unicodedata
from collections import Counter

import pytest

from smartcommune.core.contracts import STAFF_ROLES, cccd_birth_year, normalize_phone, validate_cccd
from smartcommune_local import demo_data
from smartcommune_local.demo_data import BACH_LONG, GIAO_PHONG, all_demo_citizens, demo_staff

VIETNAMESE_LETTERS = set("ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ")


@pytest.fixture(scope="module")
def citizens() -> dict[str, list[demo_data.DemoCitizen]]:
    return all_demo_citizens()


def test_giao_phong_matches_the_pilot_plan():
    # Then the commune carries the plan's figures and its five hamlets after the merger of 11 xóm
    assert GIAO_PHONG.name == "Xã Giao Phong"
    assert (GIAO_PHONG.households, GIAO_PHONG.population) == (2467, 6835)
    assert GIAO_PHONG.province_id == "nam-dinh"
    assert len(GIAO_PHONG.hamlets) == 5
    assert all(h.name.startswith("Xóm ") for h in GIAO_PHONG.hamlets)
    assert len(BACH_LONG.hamlets) == 3


def test_there_are_a_few_hundred_citizens_in_giao_phong_and_fewer_in_bach_long(citizens):
    assert len(citizens["giao-phong"]) == 300
    assert len(citizens["bach-long"]) == 60


def test_nguyen_van_an_is_there_once_with_a_memorable_number(citizens):
    # When we look for the walkthrough's citizen by name
    ans = [c for c in citizens["giao-phong"] + citizens["bach-long"] if c.full_name == "Nguyễn Văn An"]
    # Then there is exactly one, in Giao Phong, with 0912 345 678
    assert len(ans) == 1
    assert ans[0].commune_id == "giao-phong"
    assert ans[0].phone == normalize_phone("0912 345 678")


def test_names_look_vietnamese(citizens):
    everyone = citizens["giao-phong"] + citizens["bach-long"]
    surnames = Counter(c.full_name.split()[0] for c in everyone)
    # Then every name has a surname, a middle name and a given name, Nguyễn is the most common surname,
    assert all(len(c.full_name.split()) == 3 for c in everyone)
    assert surnames.most_common(1)[0][0] == "Nguyễn"
    assert {"Trần", "Vũ", "Phạm"} <= set(surnames)
    # women are mostly "Thị", and most names carry Vietnamese diacritics
    women = [c for c in everyone if c.sex == "female"]
    assert sum(c.full_name.split()[1] == "Thị" for c in women) > len(women) / 2
    with_diacritics = [
        c for c in everyone if set(unicodedata.normalize("NFC", c.full_name.lower())) & VIETNAMESE_LETTERS
    ]
    assert len(with_diacritics) > len(everyone) * 0.8


def test_phone_numbers_are_valid_vietnamese_mobiles_and_unique(citizens):
    phones = [c.phone for cs in citizens.values() for c in cs]
    # Then each is E.164 already (normalising changes nothing) and no two citizens share one
    assert all(normalize_phone(p) == p for p in phones)
    assert len(set(phones)) == len(phones)


def test_every_cccd_validates_and_encodes_sex_and_birth_year(citizens):
    for citizen in citizens["giao-phong"] + citizens["bach-long"]:
        assert validate_cccd(citizen.cccd) == citizen.cccd
        assert citizen.cccd.startswith("036")  # Nam Định
        assert cccd_birth_year(citizen.cccd) == citizen.birth_date.year
        assert int(citizen.cccd[3]) % 2 == (1 if citizen.sex == "female" else 0)
    cccds = [c.cccd for cs in citizens.values() for c in cs]
    assert len(set(cccds)) == len(cccds)


def test_cccd_of_someone_born_in_the_2000s_uses_the_2000s_digit():
    cccd = demo_data.make_cccd(random.Random(1), 2004, "female")
    assert cccd[:6] == "036304"
    assert validate_cccd(cccd) == cccd


def test_citizens_live_in_their_commune_s_hamlets(citizens):
    for commune in (GIAO_PHONG, BACH_LONG):
        hamlets = {h.id: h.name for h in commune.hamlets}
        for citizen in citizens[commune.id]:
            assert citizen.hamlet_id in hamlets
            assert hamlets[citizen.hamlet_id] in citizen.address
    # and every Giao Phong hamlet has people
    assert {c.hamlet_id for c in citizens["giao-phong"]} == {h.id for h in GIAO_PHONG.hamlets}


def test_generation_is_deterministic(citizens):
    assert all_demo_citizens() == citizens


def test_giao_phong_has_a_staff_account_for_every_role_and_bach_long_its_own():
    gp = demo_staff("giao-phong")
    assert {r for s in gp for r in s.roles} == set(STAFF_ROLES)
    assert {s.username for s in gp} >= {"gp.admin", "gp.office", "gp.police", "gp.health"}
    assert {s.username for s in demo_staff("bach-long")} == {"bl.admin", "bl.office"}

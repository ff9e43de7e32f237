"""The administrative-unit register: the 2025 reorganisation as data (two-level government, merged communes and
provinces), addresses old and new, and search by any name a unit ever had."""

from __future__ import annotations

from datetime import date

import pytest

from smartcommune.units.contracts import AdminUnit
from smartcommune.units.logic import RegisterError, UnitRegister
from smartcommune.units.storage import load_register

TODAY = date(2026, 12, 3)
BEFORE = date(2025, 6, 30)  # the last day of the district level and of Nam Định province
AFTER = date(2025, 7, 1)


@pytest.fixture(scope="module")
def register() -> UnitRegister:
    return load_register()


def _names(nodes) -> list[str]:
    return [n.full_name for n in nodes]


def test_the_tree_before_and_after_1_7_2025(register):
    # Before: three provinces, Giao Thủy district, and Giao Phong and Bạch Long under it
    before = register.tree(BEFORE)
    assert _names(before.provinces) == ["Tỉnh Hà Nam", "Tỉnh Nam Định", "Tỉnh Ninh Bình"]
    nam_dinh = before.provinces[1]
    (giao_thuy,) = nam_dinh.children
    assert giao_thuy.full_name == "Huyện Giao Thủy" and giao_thuy.level == "district"
    assert {"Xã Giao Phong", "Xã Bạch Long", "Thị trấn Quất Lâm"} <= set(_names(giao_thuy.children))
    # After: one province, no district level, the merged communes straight under it
    after = register.tree(AFTER)
    (ninh_binh,) = after.provinces
    assert ninh_binh.full_name == "Tỉnh Ninh Bình" and ninh_binh.established_by == "NQ 202/2025/QH15"
    assert _names(ninh_binh.children) == ["Xã Giao Bình", "Xã Giao Ninh"]
    assert {c.level for c in ninh_binh.children} == {"commune"}
    assert register.tree(TODAY) == register.tree(AFTER).model_copy(update={"on": TODAY})


def test_a_record_made_under_giao_phong_resolves_to_giao_ninh_with_the_former_address(register):
    address = register.address("14212", TODAY)
    assert address.current == "Xã Giao Ninh, Tỉnh Ninh Bình"
    assert address.former == "Xã Giao Phong, Huyện Giao Thủy, Tỉnh Nam Định"
    assert address.current_ref == "14212@2025-07-01"
    # The same code names two units: the version in force is found by date
    assert register.on("14212", BEFORE).name == "Giao Phong"
    assert register.on("14212", AFTER).name == "Giao Ninh"
    # A record made under the current unit has no former address
    assert register.address("14212@2025-07-01", TODAY).former is None
    # Asked on a date before the merger, Giao Phong was still itself
    assert register.current("14212", BEFORE).name == "Giao Phong"


@pytest.mark.parametrize("query", ["Bạch Long", "bach long", "BACH LONG", "xa bach long", "Bach"])
def test_search_finds_a_former_commune_by_its_old_name_and_says_what_it_is_now(register, query):
    hits = register.search(query, TODAY)
    assert hits, query
    top = hits[0]
    assert top.matched.full_name == "Xã Bạch Long"
    assert top.current.full_name == "Xã Giao Bình"
    assert top.address.former == "Xã Bạch Long, Huyện Giao Thủy, Tỉnh Nam Định"


def test_search_puts_units_in_force_and_exact_names_first(register):
    hits = register.search("ninh binh", TODAY)
    assert hits[0].matched.ref == "37@2025-07-01"  # today's province before the one it replaced
    assert register.search("giao ninh", TODAY)[0].matched.full_name == "Xã Giao Ninh"
    assert register.search("  ", TODAY) == []
    assert register.search("Hà Nội", TODAY) == []


def test_the_detail_of_a_merged_commune_names_what_was_merged_into_it(register):
    detail = register.detail("14194@2025-07-01", TODAY)
    assert detail.unit.full_name == "Xã Giao Bình" and detail.current.ref == detail.unit.ref
    assert sorted(p.full_name for p in detail.predecessors) == ["Xã Bạch Long", "Xã Giao Tân", "Xã Giao Yến"]
    assert {p.ended_by for p in detail.predecessors} == {"NQ 1674/NQ-UBTVQH15"}
    assert [p.full_name for p in detail.path] == ["Tỉnh Ninh Bình", "Xã Giao Bình"]
    old = register.detail("14206", TODAY)
    assert [p.full_name for p in old.path] == ["Tỉnh Nam Định", "Huyện Giao Thủy", "Xã Bạch Long"]
    assert old.current.full_name == "Xã Giao Bình"


def _unit(code: str, **kw) -> AdminUnit:
    return AdminUnit(code=code, kind="Xã", name=f"X{code}", level="commune", **kw)


def test_a_register_that_contradicts_itself_is_refused():
    with pytest.raises(RegisterError, match="not in the register"):
        UnitRegister([_unit("10001", parent="99")])
    with pytest.raises(RegisterError, match="overlap"):
        UnitRegister(
            [
                _unit("10001", valid_until=date(2025, 7, 1), ended_by="NQ"),
                _unit("10001", valid_from=date(2025, 7, 1)),
            ]
        )
    with pytest.raises(RegisterError, match="without a successor"):
        UnitRegister([_unit("10001", valid_until=date(2025, 6, 30))])
    with pytest.raises(RegisterError, match="two units"):
        UnitRegister([_unit("10001"), _unit("10001")])

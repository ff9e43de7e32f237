"""The pure part of a merger: how a record is re-keyed, the merged profile, and that every record type says
what a merger does with it."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import pkgutil

import pytest

import smartcommune
from smartcommune.communes.contracts import Commune, Hamlet, MergeRequest
from smartcommune.communes.logic.merger import lost_records, merged_profile, restore_item, rewrite_item
from smartcommune.composition import STORAGE_MODULES, merge_policies
from smartcommune.core.errors import InvalidInputError
from smartcommune.core.table import MainTable, tenant_of


def _commune(cid: str, hamlets: list[tuple[str, str]], households: int) -> Commune:
    return Commune(
        id=cid,
        name=f"Xã {cid}",
        district="Huyện Giao Thủy",
        province_id="nam-dinh",
        province="Tỉnh Nam Định",
        hamlets=[Hamlet(id=h, name=n) for h, n in hamlets],
        households=households,
    )


REQUEST = MergeRequest(
    new_id="giao-binh",
    name="Xã Giao Bình",
    province_id="ninh-binh",
    province="Tỉnh Ninh Bình",
    effective=dt.date(2025, 7, 1),
    old_ids=["giao-tan", "bach-long"],
)


def test_a_record_is_re_keyed_under_the_new_commune_and_back_again_exactly():
    item = {
        "PK": {"S": "C#bach-long#FB#abc"},
        "SK": {"S": "MAIN"},
        "GSI1PK": {"S": "C#bach-long#FB"},
        "GSI2SK": {"S": "2025-06-30T10:00:00#bach-long#b1#c1"},
        "TENANT": {"S": "bach-long"},
        "commune_id": {"S": "bach-long"},
        "document": {"S": json.dumps({"commune_id": "bach-long", "title": "Đèn hỏng ở bach-long", "n": [1, 2]})},
        "votes": {"N": "3"},
    }
    moved = rewrite_item(item, "bach-long", "giao-binh")
    assert moved["PK"] == {"S": "C#giao-binh#FB#abc"} and moved["GSI1PK"] == {"S": "C#giao-binh#FB"}
    assert moved["GSI2SK"] == {"S": "2025-06-30T10:00:00#giao-binh#b1#c1"}
    assert moved["TENANT"] == {"S": "giao-binh"} and moved["MERGED_FROM"] == {"S": "bach-long"}
    assert moved["commune_id"] == {"S": "giao-binh"} and moved["votes"] == {"N": "3"}
    document = json.loads(moved["document"]["S"])
    assert document["commune_id"] == "giao-binh" and document["title"] == "Đèn hỏng ở bach-long"  # text untouched
    assert restore_item(moved, "bach-long", "giao-binh") == {
        **item,
        "document": {"S": json.dumps(json.loads(item["document"]["S"]), ensure_ascii=False, separators=(",", ":"))},
    }


def test_the_merged_profile_has_every_hamlet_and_belongs_to_the_new_province():
    profile = merged_profile(
        REQUEST,
        None,
        [
            _commune("giao-tan", [("xom-a", "Xóm A")], 900),
            _commune("bach-long", [("thanh-long", "Xóm Thanh Long"), ("xom-a", "Xóm A")], 1100),
        ],
    )
    assert (profile.id, profile.name, profile.province_id, profile.district) == (
        "giao-binh",
        "Xã Giao Bình",
        "ninh-binh",
        "",
    )
    assert [h.id for h in profile.hamlets] == ["xom-a", "thanh-long"] and profile.households == 2000
    assert profile.predecessors == ["giao-tan", "bach-long"] and profile.formed_on == dt.date(2025, 7, 1)


def test_two_hamlets_with_one_id_and_two_names_stop_the_merger_before_it_starts():
    with pytest.raises(InvalidInputError) as refused:
        merged_profile(
            REQUEST,
            None,
            [_commune("giao-tan", [("xom-1", "Xóm 1")], 1), _commune("bach-long", [("xom-1", "Xóm Một")], 1)],
        )
    assert "xom-1" in refused.value.message


def test_lost_counts_only_what_is_missing_and_ignores_short_lived_types():
    before = {"citizen": 10, "feedback": 5, "otp_challenge": 3}
    assert lost_records(before, {"citizen": 10, "feedback": 5}, ["otp_challenge"]) == 0
    assert lost_records(before, {"citizen": 9, "feedback": 6}, ["otp_challenge"]) == 1


def test_every_record_type_of_the_platform_declares_what_a_merger_does_with_it():
    # Import every module of the package, so a model defined anywhere is seen
    for module in pkgutil.walk_packages(smartcommune.__path__, "smartcommune."):
        if ".routes" not in module.name:
            importlib.import_module(module.name)
    models: list[type[MainTable]] = []
    stack: list[type[MainTable]] = [MainTable]
    while stack:
        model = stack.pop()
        stack.extend(model.__subclasses__())
        if MainTable.kind.get_discriminator(model) is not None and model.__module__.startswith("smartcommune."):
            models.append(model)
    undeclared = [m.__name__ for m in models if m.merge is None]
    assert not undeclared, f"declare `merge = MergePolicy.…` on {undeclared}"
    unlisted = {m.__module__ for m in models} - set(STORAGE_MODULES)
    assert not unlisted, f"add {unlisted} to composition.STORAGE_MODULES"
    assert set(merge_policies()) >= {str(MainTable.kind.get_discriminator(m)) for m in models}


def test_every_record_of_a_commune_carries_its_tenant():
    assert tenant_of("C#giao-phong#CITIZEN#1") == "giao-phong"
    assert tenant_of("SESSION#abc") is None and tenant_of("C#") is None


def test_a_record_naming_a_merged_hamlet_names_the_new_one_in_keys_attributes_and_documents():
    from smartcommune.communes.logic.hamlets import rewrite_hamlets

    item = {
        "PK": {"S": "C#giao-phong#ALERTSUBS#xom-1"},
        "SK": {"S": "citizen-1"},
        "GSI2PK": {"S": "C#giao-phong#HAMLET#xom-2"},
        "hamlet_id": {"S": "xom-2"},
        "reach": {"S": " xom-1 xom-2 xom-3 "},
        "document": {"S": json.dumps({"hamlet_id": "xom-1", "target": {"hamlets": ["xom-1", "xom-2"]}})},
    }
    out = rewrite_hamlets(item, ["xom-1", "xom-2"], "xom-12")
    assert out["PK"] == {"S": "C#giao-phong#ALERTSUBS#xom-12"} and out["GSI2PK"] == {"S": "C#giao-phong#HAMLET#xom-12"}
    assert out["hamlet_id"] == {"S": "xom-12"} and out["reach"] == {"S": " xom-12 xom-3 "}
    assert json.loads(out["document"]["S"]) == {"hamlet_id": "xom-12", "target": {"hamlets": ["xom-12"]}}
    untouched = {"PK": {"S": "C#giao-phong#FB#1"}, "hamlet_id": {"S": "xom-3"}}
    assert rewrite_hamlets(untouched, ["xom-1"], "xom-12") == untouched


def test_merged_hamlets_keep_the_old_ones_as_history_and_refuse_unknown_ones():
    from smartcommune.communes.contracts import HamletMergeRequest
    from smartcommune.communes.logic.hamlets import merged_hamlets

    commune = _commune("giao-phong", [("xom-1", "Xóm 1"), ("xom-2", "Xóm 2"), ("xom-3", "Xóm 3")], 10)
    request = HamletMergeRequest(
        commune_id="giao-phong",
        into_id="xom-1",
        name="Xóm Một",
        effective=dt.date(2019, 7, 1),
        old_ids=["xom-1", "xom-2"],
    )
    merged = merged_hamlets(commune, request)
    assert [(h.id, h.name) for h in merged.hamlets] == [("xom-1", "Xóm Một"), ("xom-3", "Xóm 3")]
    assert [(f.id, f.name, f.until) for f in merged.hamlets[0].former] == [
        ("xom-1", "Xóm 1", dt.date(2019, 6, 30)),
        ("xom-2", "Xóm 2", dt.date(2019, 6, 30)),
    ]
    with pytest.raises(InvalidInputError):
        merged_hamlets(commune, request.model_copy(update={"old_ids": ["xom-1", "xom-9"]}))
    with pytest.raises(InvalidInputError):
        merged_hamlets(commune, request.model_copy(update={"into_id": "xom-3"}))

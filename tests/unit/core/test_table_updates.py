"""An update that creates an item writes its type like a put does, for every record type of the platform (the
merger reads the type from the tenancy index and stops at a record it cannot name)."""

from __future__ import annotations

import importlib

from smartcommune.composition import STORAGE_MODULES
from smartcommune.core.table import MainTable, _all_models


def _sets(model: type[MainTable]) -> dict[str, object]:
    actions = model("C#giao-phong#X", "S")._with_tenant([])
    return {str(a.values[0]): a.values[1].value for a in actions if a.format_string.startswith("{0} = ")}


def test_every_record_type_created_by_an_update_carries_its_type_and_tenant():
    for module in STORAGE_MODULES:
        importlib.import_module(module)
    models = [m for m in _all_models(MainTable) if m is not MainTable]
    assert len(models) > 50
    for model in models:
        sets = _sets(model)
        assert sets.get("TENANT") == {"S": "giao-phong"}, model
        assert sets.get("type") == {"S": model.kind.serialize(model)}, model


def test_an_update_that_names_its_type_is_not_given_a_second_one():
    from smartcommune.broadcast.storage.stats import StatsCounterItem

    item = StatsCounterItem("C#giao-phong#BSTATS#2026-12", "TOTAL")
    actions = item._with_tenant([StatsCounterItem.kind.set(StatsCounterItem)])
    assert [str(a.values[0]) for a in actions].count("type") == 1

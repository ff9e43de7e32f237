"""Where the register comes from: ``register.json`` beside this module (official codes, names, periods), read once."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from smartcommune.units.contracts import AdminUnit
from smartcommune.units.logic import UnitRegister

REGISTER_FILE = Path(__file__).with_name("register.json")


@cache
def load_register(path: Path = REGISTER_FILE) -> UnitRegister:
    document = json.loads(path.read_text(encoding="utf-8"))
    return UnitRegister(AdminUnit.model_validate(unit) for unit in document["units"])

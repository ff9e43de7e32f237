"""The water tests' world: the demo communes with their real hamlets and the six demo sensors registered, and the
readings and silence functions loaded as Lambda loads them, on the test's services."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from smartcommune_local.template import REPO_ROOT
from smartcommune_local.water_demo import seed_water_sensors
from tests.support.identities import ensure_demo_communes


def load_function(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"water_{name}", REPO_ROOT / f"functions/{name}/handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # as Lambda loads it
    return module


water_readings = load_function("water_readings")
water_silence = load_function("water_silence")


@pytest.fixture
def sensors(services: Any) -> Any:
    from smartcommune.communes.wiring import commune_repository
    from smartcommune_local.demo_data import DEMO_COMMUNES

    ensure_demo_communes(services)
    for commune in DEMO_COMMUNES:  # the demo's hamlets (Bắc Hải, ...), which the demo sensors stand in
        services.get(commune_repository).put(commune)
    seed_water_sensors(services)
    water_readings.use_services(services)
    water_silence.use_services(services)
    return services

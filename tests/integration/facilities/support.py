"""Helpers of the facilities tests: JSON calls through the real app, valid bodies, the audit trail."""

from __future__ import annotations

import json
from typing import Any

PUBLIC = "/communes/giao-phong/facilities"
COMMUNE_CENTRE = (20.2560, 106.4942)


def call(api: Any, method: str, path: str, body: Any = None, token: str | None = None, **headers: str):
    sent = {"Content-Type": "application/json", **headers}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    response = api.http.request(method, path, headers=sent, body=json.dumps(body) if body is not None else None)
    text = response.body.decode() if response.body else ""
    return response.status_code, json.loads(text) if text else None


def point(name: str, kind: str, hamlet: str | None = None, **extra: Any) -> dict[str, Any]:
    lat, lon = COMMUNE_CENTRE
    return {
        "name": name,
        "place_kind": kind,
        "hamlet_id": hamlet,
        "location": {"lat": lat, "lon": lon},
        "bandwidth_mbps": 100,
        **extra,
    }


def school(name: str, level: str, hamlet: str | None = None) -> dict[str, Any]:
    return {"name": name, "level": level, "hamlet_id": hamlet, "location": {"lat": 20.2528, "lon": 106.4948}}


def year(school_year: str, pupils: int, classes: int, teachers: int, version: int, **tools: bool) -> dict[str, Any]:
    return {
        "school_year": school_year,
        "pupils": pupils,
        "classes": classes,
        "teachers": teachers,
        "has_management_software": tools.get("software", True),
        "has_digital_equipment": tools.get("equipment", True),
        "version": version,
    }


def audit_entries(api: Any, token: str, prefix: str) -> list[dict[str, Any]]:
    status, page = call(api, "GET", "/audit?limit=200", token=token)
    assert status == 200, page
    return [e for e in page["entries"] if e["action"].startswith(prefix)]

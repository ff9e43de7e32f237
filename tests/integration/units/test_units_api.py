"""The public reads of the administrative-unit register, through the real app."""

from __future__ import annotations

import json
from urllib.parse import quote


def _get(api, path: str):
    response = api.http.get(path)
    return response.status_code, json.loads(response.body)


def test_the_tree_today_and_on_a_past_date(api):
    status, today = _get(api, "/units")
    assert status == 200 and [p["full_name"] for p in today["provinces"]] == ["Tỉnh Ninh Bình"]
    status, past = _get(api, "/units?on=2024-01-01")
    assert status == 200 and "Tỉnh Nam Định" in [p["full_name"] for p in past["provinces"]]
    status, error = _get(api, "/units?on=01-01-2024")
    assert status == 422 and error["error"]["details"][0]["field"] == "on"


def test_search_by_a_former_name_without_diacritics(api):
    status, body = _get(api, f"/units/search?q={quote('bach long')}")
    assert status == 200
    top = body["items"][0]
    assert top["matched"]["full_name"] == "Xã Bạch Long" and top["current"]["full_name"] == "Xã Giao Bình"
    assert top["address"] == {
        "current": "Xã Giao Bình, Tỉnh Ninh Bình",
        "former": "Xã Bạch Long, Huyện Giao Thủy, Tỉnh Nam Định",
        "current_ref": "14194@2025-07-01",
    }
    assert _get(api, "/units/search?q=a")[0] == 422


def test_one_unit_by_code_or_version_and_an_unknown_one(api):
    status, body = _get(api, "/units/14212")
    assert status == 200 and body["unit"]["full_name"] == "Xã Giao Phong"
    assert body["current"]["full_name"] == "Xã Giao Ninh"
    status, body = _get(api, f"/units/{quote('14212@2025-07-01')}")
    assert status == 200 and sorted(p["full_name"] for p in body["predecessors"]) == [
        "Thị trấn Quất Lâm",
        "Xã Giao Phong",
        "Xã Giao Thịnh",
    ]
    status, error = _get(api, "/units/99999")
    assert status == 404 and error["error"]["message"] == "Không tìm thấy đơn vị hành chính này."

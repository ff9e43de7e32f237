from __future__ import annotations

import json


def test_health_answers_ok_when_the_table_answers(api):
    # When
    response = api.http.get("/health")
    # Then
    assert response.status_code == 200
    body = json.loads(response.body)
    assert body["status"] == "ok"
    assert body["checks"]["table"] == "ok"
    assert response.headers["Cache-Control"] == "no-store"

"""Issue 14: a report a commune signed and sent before a merger still verifies afterwards, and stays readable as
the old commune's report (reports are kept where they were signed, with the key that signed them)."""

from __future__ import annotations

import json

from joserfc import jws as jose_jws
from joserfc.jwk import KeySet

from smartcommune.composition import commune_merger
from smartcommune.reporting.wiring import reports
from smartcommune_local import demo_data
from smartcommune_local.demo_reports import seed_reports
from tests.integration.communes.test_merger import REQUEST


def test_a_report_signed_before_the_merger_still_verifies_and_is_still_the_old_communes(api, services):
    # Given Bạch Long's monthly report, approved, sent and signed before the 2025 merger
    demo_data.seed(services)
    report_id = seed_reports(services, "bach-long")
    assert report_id
    signed = services.get(reports).signed_jws("bach-long", report_id)
    # When both demo communes are merged into a new one
    summary = services.get(commune_merger).merge(REQUEST)
    assert summary.lost == 0
    # Then the JWS exported before verifies against the JWKS published after, with an independent library
    jwks = json.loads(api.http.get("/.well-known/jwks.json").body)
    decoded = jose_jws.deserialize_compact(signed, KeySet.import_key_set(jwks), algorithms=["ES256"])
    document = json.loads(decoded.payload)
    assert document["commune_id"] == "bach-long" and document["id"] == report_id
    # And the platform still holds it as Bạch Long's sent report, byte for byte the same signature
    assert services.get(reports).signed_jws("bach-long", report_id) == signed
    assert services.get(reports).verify(signed).valid

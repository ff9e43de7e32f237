"""Phone numbers and CCCD never reach the logs in clear — not even for the redacting formatter to catch."""

from __future__ import annotations

import json

from smartcommune.core.contracts import Role
from tests.support.identities import auth, ensure_demo_communes, staff_token
from tests.support.sms import latest_code

PHONE, NATIONAL, CCCD = "+84961234567", "0961234567", "079195012345"


def test_sign_in_registration_search_and_lock_log_no_phone_or_cccd(api, services, settings, capfd, caplog):
    ensure_demo_communes(services)
    office = staff_token(services, Role.OFFICE)
    # A citizen signs in (the SMS function logs too), fails once, then succeeds
    api.http.post("/auth/otp", headers=auth(""), body=json.dumps({"commune_id": "giao-phong", "phone": NATIONAL}))
    code = latest_code(settings, PHONE)
    bad = "000000" if code != "000000" else "111111"
    payload = {"commune_id": "giao-phong", "phone": NATIONAL}
    api.http.post("/auth/otp/verify", headers=auth(""), body=json.dumps({**payload, "code": bad}))
    verified = api.http.post("/auth/otp/verify", headers=auth(""), body=json.dumps({**payload, "code": code}))
    token = json.loads(verified.body)["token"]
    profile = {"full_name": "Võ Thị Hoa", "hamlet_id": "xom-3", "address": "Xóm 3", "cccd": CCCD}
    assert api.http.put("/me/profile", headers=auth(token), body=json.dumps(profile)).status_code == 200
    # Staff search by phone and CCCD, register a duplicate, and lock the account
    assert api.http.get(f"/citizens?q={NATIONAL}", headers=auth(office)).status_code == 200
    assert api.http.get(f"/citizens?q={CCCD}", headers=auth(office)).status_code == 200
    duplicate = {"full_name": "Võ Thị Hoa", "phone": NATIONAL, "hamlet_id": "xom-3", "address": "Xóm 3", "cccd": CCCD}
    assert api.http.post("/citizens", headers=auth(office), body=json.dumps(duplicate)).status_code == 409
    citizen_id = json.loads(verified.body)["principal"]["subject_id"]
    api.http.post(f"/citizens/{citizen_id}/lock", headers=auth(office), body=json.dumps({"reason": "thử nghiệm"}))
    assert api.http.get("/me", headers=auth(token)).status_code == 401
    # Then no log line holds the numbers, in any form, nor needed redacting
    out, err = capfd.readouterr()
    logged = out + err + caplog.text + "".join(str(r.__dict__) for r in caplog.records)
    assert "sms sent" in logged  # the logs were captured
    for secret in (PHONE, NATIONAL, "961234567", CCCD):
        assert secret not in logged
    assert "[phone]" not in logged and "[cccd]" not in logged.replace("lambda:ap-southeast-1:[cccd]", "")

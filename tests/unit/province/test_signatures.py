"""SigV4 verification and the province gate, against requests signed by botocore and requests-aws4auth."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest

from smartcommune.communes.contracts import Commune, Hamlet
from smartcommune.core.errors import ForbiddenError, UnauthenticatedError
from smartcommune.province.contracts import ProvinceClient
from smartcommune.province.logic.access import ProvinceGate, iam_principal
from smartcommune.province.logic.sigv4 import SignedRequest
from tests.support.province import Signed, sign

KEY = "SCPKAAAAAAAAAAAAAAAA"
SECRET = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY01"
OTHER_KEY = "SCPKBBBBBBBBBBBBBBBB"


def _commune(commune_id: str, province_id: str) -> Commune:
    return Commune(
        id=commune_id,
        name=f"Xã {commune_id}",
        district="Huyện Giao Thủy",
        province_id=province_id,
        province="Tỉnh",
        hamlets=[Hamlet(id="xom-1", name="Xóm 1")],
    )


class Clients:
    def __init__(self) -> None:
        now = datetime(2026, 1, 1, tzinfo=UTC)
        self.by_key = {
            KEY: (
                ProvinceClient(
                    access_key_id=KEY,
                    province_id="nam-dinh",
                    label="Sở",
                    created_by="t",
                    created_at=now,
                    iam_arn="arn:aws:iam::123456789012:role/province-reader",
                ),
                SECRET,
            ),
            OTHER_KEY: (
                ProvinceClient(
                    access_key_id=OTHER_KEY, province_id="thai-binh", label="Sở", created_by="t", created_at=now
                ),
                "x" * 40,
            ),
        }

    def find(self, access_key_id: str) -> tuple[ProvinceClient, str] | None:
        return self.by_key.get(access_key_id)

    def find_by_arn(self, iam_arn: str) -> ProvinceClient | None:
        return next((c for c, _ in self.by_key.values() if c.iam_arn == iam_arn), None)


class Replays:
    def __init__(self) -> None:
        self.seen: set[str] = set()

    def claim(self, fingerprint: str, expires_at: datetime) -> bool:
        if fingerprint in self.seen:
            return False
        self.seen.add(fingerprint)
        return True


class Communes:
    def __init__(self) -> None:
        self.all = {c.id: c for c in (_commune("giao-phong", "nam-dinh"), _commune("vu-thu", "thai-binh"))}

    def get(self, commune_id: str) -> Commune | None:
        return self.all.get(commune_id)

    def in_province(self, province_id: str) -> list[Commune]:
        return [c for c in self.all.values() if c.province_id == province_id]


class Now:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def now() -> Now:
    return Now()


@pytest.fixture
def gate(now: Now) -> ProvinceGate:
    return ProvinceGate(Clients(), Replays(), Communes(), now, region="ap-southeast-1")


def received(signed: Signed, **changes: object) -> SignedRequest:
    """The request as the API sees it: the edge stripped ``/api``; header names lower-case; query decoded."""
    method = str(changes.get("method", signed.method))
    split = urlsplit(str(changes.get("path", signed.path)))
    headers = {k.lower(): v for k, v in {**signed.headers, **changes.get("headers", {})}.items()}  # type: ignore[dict-item]
    body = changes.get("body", signed.body) or b""
    assert isinstance(body, bytes)
    return SignedRequest(
        method=method,
        paths=(split.path, "/api" + split.path),
        headers=headers,
        query=dict(parse_qsl(split.query)),
        body=body,
    )


@pytest.mark.parametrize("signer", ["botocore", "aws4auth"])
def test_a_validly_signed_request_names_its_client(gate: ProvinceGate, signer: str):
    # Given a GET with a query and a POST with a body, signed by an independent SigV4 signer
    get = sign(
        "GET", "/province/v1/communes/giao-phong/indicators/1.2?from=2026-01&to=2026-06", KEY, SECRET, signer=signer
    )  # type: ignore[arg-type]
    post = sign(
        "POST",
        "/province/v1/communes/giao-phong/report-requests",
        KEY,
        SECRET,
        body={"title": "Báo cáo đột xuất", "due_on": "2026-12-20"},
        signer=signer,
    )  # type: ignore[arg-type]
    # When the gate verifies them, Then both are the Nam Định client's
    assert gate.authenticate(received(get)).province_id == "nam-dinh"
    assert gate.authenticate(received(post)).access_key_id == KEY


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"body": b'{"title": "Bao cao khac", "due_on": "2026-12-20"}'}, "does not match"),
        ({"path": "/province/v1/communes/vu-thu/report-requests"}, "does not match"),
        ({"method": "PUT"}, "does not match"),
        ({"path": "/province/v1/communes/giao-phong/report-requests?x=1"}, "does not match"),
    ],
    ids=["body", "path", "method", "query"],
)
def test_a_changed_request_is_refused(gate: ProvinceGate, change: dict[str, object], why: str):
    signed = sign(
        "POST",
        "/province/v1/communes/giao-phong/report-requests",
        KEY,
        SECRET,
        body={"title": "Báo cáo đột xuất", "due_on": "2026-12-20"},
    )
    with pytest.raises(UnauthenticatedError) as refused:
        gate.authenticate(received(signed, **change))
    assert why in refused.value.message_en
    assert refused.value.message  # Vietnamese first


def test_a_changed_query_value_is_refused(gate: ProvinceGate):
    signed = sign("GET", "/province/v1/scorecards?month=2026-11", KEY, SECRET, signer="aws4auth")
    gate.authenticate(received(signed))  # the original passes
    with pytest.raises(UnauthenticatedError):
        gate.authenticate(received(signed, path="/province/v1/scorecards?month=2026-10"))


def test_a_body_unlike_its_declared_hash_is_refused(gate: ProvinceGate):
    # requests-aws4auth declares x-amz-content-sha256; a body swapped under it is named as such
    signed = sign(
        "POST",
        "/province/v1/communes/giao-phong/report-requests",
        KEY,
        SECRET,
        body={"title": "Báo cáo", "due_on": "2026-12-20"},
        signer="aws4auth",
    )
    with pytest.raises(UnauthenticatedError) as refused:
        gate.authenticate(received(signed, body=b"{}"))
    assert "x-amz-content-sha256" in refused.value.message_en


def test_a_wrong_secret_is_refused(gate: ProvinceGate):
    signed = sign("GET", "/province/v1/communes", KEY, "not-the-secret-" + "x" * 25)
    with pytest.raises(UnauthenticatedError, match="does not match"):
        gate.authenticate(received(signed))


def test_an_unknown_key_is_refused_like_a_wrong_secret(gate: ProvinceGate):
    signed = sign("GET", "/province/v1/communes", "SCPKCCCCCCCCCCCCCCCC", SECRET)
    with pytest.raises(UnauthenticatedError, match="does not exist or the signature does not match"):
        gate.authenticate(received(signed))


def test_a_stale_or_future_request_is_refused(gate: ProvinceGate, now: Now):
    signed = sign("GET", "/province/v1/communes", KEY, SECRET)
    now.now += timedelta(minutes=5, seconds=30)
    with pytest.raises(UnauthenticatedError, match="stale"):
        gate.authenticate(received(signed))
    now.now -= timedelta(minutes=11)
    with pytest.raises(UnauthenticatedError, match="stale"):
        gate.authenticate(received(signed))


def test_within_five_minutes_the_request_passes(gate: ProvinceGate, now: Now):
    signed = sign("GET", "/province/v1/communes", KEY, SECRET)
    now.now += timedelta(minutes=4, seconds=50)
    assert gate.authenticate(received(signed)).access_key_id == KEY


def test_a_replayed_signature_is_refused(gate: ProvinceGate):
    signed = sign("GET", "/province/v1/communes", KEY, SECRET)
    gate.authenticate(received(signed))
    with pytest.raises(UnauthenticatedError, match="accepted once"):
        gate.authenticate(received(signed))


def test_a_signature_for_another_region_or_service_is_refused(gate: ProvinceGate):
    with pytest.raises(UnauthenticatedError, match="region ap-southeast-1"):
        gate.authenticate(received(sign("GET", "/province/v1/communes", KEY, SECRET, region="us-east-1")))


def test_an_unsigned_request_is_refused(gate: ProvinceGate):
    request = SignedRequest("GET", ("/province/v1/communes",), {"host": "x"})
    with pytest.raises(UnauthenticatedError, match="not signed"):
        gate.authenticate(request)
    bearer = SignedRequest("GET", ("/province/v1/communes",), {"host": "x", "authorization": "Bearer abc"})
    with pytest.raises(UnauthenticatedError, match="not a valid AWS SigV4"):
        gate.authenticate(bearer)


def test_a_client_reads_only_its_provinces_communes(gate: ProvinceGate):
    nam_dinh = gate.authenticate(received(sign("GET", "/province/v1/communes", KEY, SECRET)))
    thai_binh = gate.authenticate(received(sign("GET", "/province/v1/communes", OTHER_KEY, "x" * 40)))
    assert [c.id for c in gate.communes(nam_dinh)] == ["giao-phong"]
    assert gate.commune(nam_dinh, "giao-phong").id == "giao-phong"
    # A commune of another province and one that does not exist are refused with the same words
    with pytest.raises(ForbiddenError) as elsewhere:
        gate.commune(thai_binh, "giao-phong")
    with pytest.raises(ForbiddenError) as nowhere:
        gate.commune(thai_binh, "no-such-commune")
    assert elsewhere.value.to_dict() == nowhere.value.to_dict()


def test_in_iam_mode_the_verified_caller_is_mapped_to_its_client(now: Now):
    # Given API Gateway verified the signature (AWS_IAM) and named the caller, an assumed-role session
    gate = ProvinceGate(Clients(), Replays(), Communes(), now, region="ap-southeast-1", mode="iam")
    signed = sign("GET", "/province/v1/communes", "ASIAEXAMPLEFROMSTS00", "an-iam-secret-we-never-see-0000000000000")
    arn = "arn:aws:sts::123456789012:assumed-role/province-reader/session-1"
    assert gate.authenticate(received(signed), caller_arn=arn).province_id == "nam-dinh"
    # and a replay or a stale copy is still refused here
    with pytest.raises(UnauthenticatedError, match="accepted once"):
        gate.authenticate(received(signed), caller_arn=arn)
    # without a verified identity nothing passes
    with pytest.raises(UnauthenticatedError, match="no verified IAM identity"):
        gate.authenticate(received(sign("GET", "/province/v1/communes", KEY, SECRET)))


def test_an_assumed_role_session_stands_for_its_role():
    assert iam_principal("arn:aws:sts::123456789012:assumed-role/reader/s") == "arn:aws:iam::123456789012:role/reader"
    assert iam_principal("arn:aws:iam::123456789012:user/ops") == "arn:aws:iam::123456789012:user/ops"

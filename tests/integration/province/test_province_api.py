"""The province's signed API through the real app (moto, Chalice's test client): requests signed by botocore and
requests-aws4auth with keys made by the CLI; what passes, what is refused, and what a province may see."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from smartcommune.communes.contracts import Commune, Hamlet
from smartcommune.communes.wiring import commune_repository
from smartcommune.core.contracts import Role
from smartcommune_local import cli_province
from smartcommune_local.cli import build_parser
from smartcommune_local.province_demo import demo_keys, ensure_demo_client
from tests.support.fixtures import Clock
from tests.support.identities import citizen_token, ensure_demo_communes, staff_token
from tests.support.province import sign

THAI_BINH = Commune(
    id="vu-thu",
    name="Xã Vũ Thư",
    district="Huyện Vũ Thư",
    province_id="thai-binh",
    province="Tỉnh Thái Bình",
    hamlets=[Hamlet(id="thon-1", name="Thôn 1")],
)


@pytest.fixture
def clock() -> Clock:
    # botocore and requests-aws4auth sign at the wall clock's time: the API's clock starts there too
    return Clock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def world(services, monkeypatch):
    ensure_demo_communes(services)
    services.get(commune_repository).put(THAI_BINH)
    monkeypatch.setattr(cli_province, "_services", lambda: services)
    return services


def create_client(capsys, province: str) -> tuple[str, str]:
    """``smartcommune province client create --province …``: its one printed line, read as an integrator would."""
    args = build_parser().parse_args(["province", "client", "create", "--province", province])
    assert args.handler(args) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Province API keys: ")]
    assert len(lines) == 1
    access_key_id, secret = lines[0].removeprefix("Province API keys: ").split(" ")
    return access_key_id, secret


def body(response) -> dict:
    return json.loads(response.body)


def test_a_signed_client_lists_its_provinces_communes_and_nothing_else(api, world, capsys):
    # Given a client of Nam Định made with the CLI
    key, secret = create_client(capsys, "nam-dinh")
    # When it lists its communes with a botocore-signed request
    response = sign("GET", "/province/v1/communes", key, secret).send(api)
    # Then it sees Nam Định's communes (Giao Phong, Bạch Long), not Thái Bình's
    assert response.status_code == 200, response.body
    listed = body(response)
    assert listed["province_id"] == "nam-dinh"
    assert [c["id"] for c in listed["communes"]] == ["bach-long", "giao-phong"]
    # And the same with requests-aws4auth
    again = sign("GET", "/province/v1/communes", key, secret, signer="aws4auth").send(api)
    assert again.status_code == 200, again.body


def test_wrong_changed_stale_and_replayed_requests_are_refused(api, world, capsys, clock):
    key, secret = create_client(capsys, "nam-dinh")
    # A wrong secret
    wrong = sign("GET", "/province/v1/communes", key, secret[:-1] + ("A" if secret[-1] != "A" else "B")).send(api)
    assert wrong.status_code == 401
    assert "does not match" in body(wrong)["error"]["message_en"]
    assert body(wrong)["error"]["message"].startswith("Chữ ký không hợp lệ")
    # A query changed after signing
    signed = sign("GET", "/province/v1/communes", key, secret)
    assert signed.send(api, path="/province/v1/communes?x=1").status_code == 401
    # Signed once, accepted once: the first copy passes, the replay is refused
    assert signed.send(api).status_code == 200
    replay = signed.send(api)
    assert replay.status_code == 401
    assert "accepted once" in body(replay)["error"]["message_en"]
    # Signed six minutes ago
    stale = sign("GET", "/province/v1/communes", key, secret)
    clock.advance(minutes=6)
    refused = stale.send(api)
    assert refused.status_code == 401
    assert "stale" in body(refused)["error"]["message_en"]


def test_unsigned_requests_and_session_tokens_are_refused(api, world):
    unsigned = api.http.get("/province/v1/communes")
    assert unsigned.status_code == 401
    assert "not signed" in body(unsigned)["error"]["message_en"]
    # Neither an official's nor a citizen's session opens the province API
    for token in (staff_token(world, Role.ADMIN), citizen_token(world)[0]):
        response = api.http.get("/province/v1/communes", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert "does not accept session tokens" in body(response)["error"]["message_en"]


def test_a_revoked_or_rotated_key_is_refused_and_the_new_one_works(api, world, capsys):
    key, secret = create_client(capsys, "nam-dinh")
    args = build_parser().parse_args(["province", "client", "rotate", key])
    assert args.handler(args) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("Province API keys: "))
    new_key, new_secret = line.removeprefix("Province API keys: ").split(" ")
    assert new_key != key
    old = sign("GET", "/province/v1/communes", key, secret).send(api)
    assert old.status_code == 401
    assert "revoked" in body(old)["error"]["message_en"]
    assert sign("GET", "/province/v1/communes", new_key, new_secret).send(api).status_code == 200
    args = build_parser().parse_args(["province", "client", "revoke", new_key])
    assert args.handler(args) == 0
    assert sign("GET", "/province/v1/communes", new_key, new_secret).send(api).status_code == 401


def test_the_secret_is_not_stored_in_clear(world, capsys, aws):
    # Given a client made by the CLI
    key, secret = create_client(capsys, "thai-binh")
    # When someone reads its item straight from the table
    import boto3

    item = boto3.client("dynamodb", region_name="ap-southeast-1").get_item(
        TableName=world.settings.table_name, Key={"PK": {"S": f"PCLIENT#{key}"}, "SK": {"S": "CLIENT"}}
    )["Item"]
    # Then the secret appears nowhere in it
    assert secret not in json.dumps(item)
    assert item["secret_sealed"]["S"].startswith("v1:")


def test_the_demo_client_is_the_same_on_every_start(world):
    first = ensure_demo_client(world)
    assert ensure_demo_client(world) == first == demo_keys("nam-dinh")


def test_in_aws_only_the_province_routes_carry_iam_authorisation():
    # The REST API Chalice packages: API Gateway checks SigV4 against IAM (AWS_IAM) on /province/v1/* only
    from chalice.deploy.swagger import TemplatedSwaggerGenerator

    import app as app_module

    document = TemplatedSwaggerGenerator().generate_swagger(app_module.app)
    assert document["securityDefinitions"]["sigv4"]["x-amazon-apigateway-authtype"] == "awsSigv4"
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or method == "options":
                continue
            signed = operation.get("security") == [{"sigv4": []}]
            assert signed == path.startswith("/province/v1/"), f"{method.upper()} {path}"

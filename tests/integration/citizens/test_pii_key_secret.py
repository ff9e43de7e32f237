"""The key phone numbers and CCCD are hashed with comes from Secrets Manager at run time, never from the
function's environment (which anyone allowed lambda:GetFunctionConfiguration can read)."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from smartcommune.citizens.storage import CitizenLookupItem
from smartcommune.core.aws import client
from smartcommune.core.contracts import Role
from smartcommune.core.settings import DEVELOPMENT_PII_KEY, Settings
from smartcommune.core.table import commune_pk
from tests.support.identities import ensure_demo_communes, staff_token

SECRET = "pii-key-from-secrets-manager-0123456789"


@pytest.fixture
def settings(settings):
    arn = client("secretsmanager", settings).create_secret(Name="smartcommune/pii-hash-key", SecretString=SECRET)["ARN"]
    return settings.model_copy(update={"pii_hash_key_secret_arn": arn})


def _hmac(key: str, value: str) -> str:
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


def test_look_up_keys_are_hashed_with_the_secret_read_at_run_time(api, services, settings):
    # Given the deployment names the secret by its ARN (and its environment holds no key)
    ensure_demo_communes(services)
    office = staff_token(services, Role.OFFICE)
    # When staff register a citizen
    person = {"full_name": "Nguyễn Văn An", "phone": "0912345678", "hamlet_id": "xom-1", "address": "Xóm 1"}
    response = api.http.post(
        "/citizens",
        headers={"Authorization": f"Bearer {office}", "Content-Type": "application/json"},
        body=json.dumps(person),
    )
    assert response.status_code == 201

    # Then the phone's look-up key is the HMAC under the secret from Secrets Manager, not the development key
    def exists(key: str) -> bool:
        try:
            CitizenLookupItem.get(commune_pk("giao-phong", "PHONE", _hmac(key, "+84912345678")), "LOOKUP")
        except CitizenLookupItem.DoesNotExist:
            return False
        return True

    assert exists(SECRET) and not exists(DEVELOPMENT_PII_KEY)


def test_a_production_deployment_may_name_its_keys_by_arn_only():
    # The prod guard accepts ARNs in place of values, and still refuses the development keys without them
    arns = {
        "SMARTCOMMUNE_STAGE": "prod",
        "SMARTCOMMUNE_PII_HASH_KEY_SECRET_ARN": "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:pii",
        "SMARTCOMMUNE_COMMAND_KEY_SECRET_ARN": "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:cmd",
    }
    settings = Settings.from_env(arns)
    assert settings.pii_hash_key_secret_arn and settings.command_key_secret_arn
    with pytest.raises(ValueError, match="PII_HASH_KEY"):
        Settings.from_env({"SMARTCOMMUNE_STAGE": "prod"})


def test_nothing_reads_a_secret_until_it_is_needed(aws):
    # Given a function whose secret cannot be read (no such secret)
    missing = "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:nowhere"
    env = aws.environment() | {"SMARTCOMMUNE_PII_HASH_KEY_SECRET_ARN": missing, "SMARTCOMMUNE_STAGE": "test"}
    settings = Settings.from_env(env)
    # When it starts and serves what needs no key, nothing fails (a cold start reads no secret)
    from smartcommune.core.services import Services
    from smartcommune.core.wiring import pii_hasher

    services = Services(settings)
    assert services.settings.pii_hash_key_secret_arn == missing
    # And the first use of the key is what reads it
    with pytest.raises(client("secretsmanager", settings).exceptions.ResourceNotFoundException):
        services.get(pii_hasher)

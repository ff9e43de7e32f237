"""Open311 API keys in the table: only hashes stored, verified in one read, revocable, and the local demo key."""

from __future__ import annotations

import boto3
import pytest

from smartcommune.core.errors import ConflictError, NotFoundError
from smartcommune.feedback.logic.open311 import key_hash
from smartcommune.feedback.storage.open311_keys import KEY_PREFIX, Open311KeyItem, Open311KeyLookupItem
from smartcommune.feedback.wiring import open311_key_repository
from smartcommune_local.open311_demo import demo_key, ensure_demo_key


@pytest.fixture
def keys(services):
    return services.get(open311_key_repository)


def _all_items(settings) -> list[dict]:
    table = boto3.resource("dynamodb", region_name=settings.aws_region).Table(settings.table_name)
    return table.scan()["Items"]


def test_a_created_key_verifies_and_only_its_hash_is_stored(keys, settings):
    # Given a new key for Giao Phong
    raw, record = keys.create("giao-phong", "Ứng dụng bản đồ", "admin-1")

    # Then it verifies to its commune
    assert raw.startswith(KEY_PREFIX)
    verified = keys.verify(raw)
    assert verified is not None
    assert (verified.commune_id, verified.label, verified.key_id) == ("giao-phong", "Ứng dụng bản đồ", record.key_id)
    # and the table holds the hash under the commune's partition and the look-up, never the key itself
    digest = key_hash(raw)
    assert Open311KeyItem.get(f"C#giao-phong#OPEN311KEY#{digest}", "KEY").commune_id == "giao-phong"
    assert Open311KeyLookupItem.get(f"OPEN311KEY#{digest}", "LOOKUP").commune_id == "giao-phong"
    assert raw not in str(_all_items(settings))


def test_unknown_and_malformed_keys_do_not_verify(keys):
    keys.create("giao-phong", "app", "admin-1")

    assert keys.verify(KEY_PREFIX + "not-a-real-key") is None
    assert keys.verify("no-prefix") is None
    assert keys.verify(KEY_PREFIX + "x" * 500) is None


def test_the_registry_lists_a_communes_keys_oldest_first(keys, clock):
    keys.create("giao-phong", "app 1", "admin-1")
    clock.advance(seconds=1)
    keys.create("giao-phong", "app 2", "admin-1")
    keys.create("bach-long", "app 3", "admin-2")

    assert [k.label for k in keys.list("giao-phong")] == ["app 1", "app 2"]
    assert [k.label for k in keys.list("bach-long")] == ["app 3"]


def test_a_revoked_key_stops_verifying_at_once(keys, clock):
    raw, record = keys.create("giao-phong", "app", "admin-1")
    clock.advance(minutes=5)

    revoked = keys.revoke("giao-phong", record.key_id)

    assert revoked.revoked_at == clock.now
    assert keys.verify(raw) is None
    assert keys.find(raw) is not None
    assert keys.list("giao-phong")[0].revoked_at == clock.now
    # revoking again is harmless; another commune cannot revoke it
    assert keys.revoke("giao-phong", record.key_id).revoked_at == clock.now
    with pytest.raises(NotFoundError):
        keys.revoke("bach-long", record.key_id)


def test_the_same_key_cannot_be_created_twice(keys):
    keys.create("giao-phong", "app", "admin-1", raw_key=KEY_PREFIX + "fixed-value-for-test")

    with pytest.raises(ConflictError):
        keys.create("bach-long", "app", "admin-1", raw_key=KEY_PREFIX + "fixed-value-for-test")


def test_the_demo_key_is_created_once_and_is_always_the_same(services, keys):
    first = ensure_demo_key(services)
    second = ensure_demo_key(services)

    assert first == second == demo_key()
    verified = keys.verify(first)
    assert verified is not None
    assert verified.commune_id == "giao-phong"
    assert len(keys.list("giao-phong")) == 1

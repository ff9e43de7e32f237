"""Fixtures every test layer shares."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from smartcommune.core.services import Services
from smartcommune.core.settings import Settings
from smartcommune_local.template import LocalResources, create_resources


class Clock:
    """A clock tests can move forward."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 29, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: Any) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def aws() -> Iterator[LocalResources]:
    """moto with every table, bucket and queue of template.yaml created."""
    with moto_resources() as resources:
        yield resources


@contextmanager
def moto_resources() -> Iterator[LocalResources]:
    """The ``aws`` fixture's world, for a module that builds one world for all its tests (``test_access_matrix``)."""
    from smartcommune_local.moto_patches import patch_moto_dynamodb

    patch_moto_dynamodb()  # serialise DynamoDB calls as the real service would; moto's threads lose updates
    with mock_aws():
        session = boto3.Session(region_name="ap-southeast-1")
        yield create_resources(session, endpoint_url=None)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(aws: LocalResources, tmp_path: Any) -> Settings:
    return settings_for(aws, tmp_path)


def settings_for(aws: LocalResources, directory: Any) -> Settings:
    """The ``settings`` fixture's settings on ``aws``, with the SMS outbox under ``directory``."""
    env = aws.environment()
    env.update(
        SMARTCOMMUNE_STAGE="test",
        SMARTCOMMUNE_SMS_TRANSPORT="outbox",
        SMARTCOMMUNE_OUTBOX_PATH=str(directory / "outbox" / "sms.jsonl"),
        # No delay on the queue: the tests deliver what is queued when they choose (still coalesced per thread).
        SMARTCOMMUNE_SMS_COALESCE_S="0",
        # Staff password hashes at a test cost (2^10, ~1 ms): production's 2^17 takes ~0.4 s per hash, and most
        # tests make staff accounts. tests/unit/identity/test_identity_passwords.py proves production's cost.
        SMARTCOMMUNE_STAFF_PASSWORD_SCRYPT_N=str(2**10),
    )
    return Settings.from_env(env)


@pytest.fixture
def services(settings: Settings, clock: Clock) -> Services:
    from smartcommune.core import table

    table.bind(settings)
    return Services(settings, clock=clock)


@pytest.fixture
def api(services: Services) -> Iterator[Any]:
    """``chalice.test.Client`` on the real app, wired to these services."""
    from chalice.test import Client

    import app as app_module

    app_module.use_services(services)
    with Client(app_module.app) as client:
        yield client

"""Fixtures every test layer shares."""

from __future__ import annotations

from collections.abc import Iterator
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
    env = aws.environment()
    env.update(
        SMARTCOMMUNE_STAGE="test",
        SMARTCOMMUNE_SMS_TRANSPORT="outbox",
        SMARTCOMMUNE_OUTBOX_PATH=str(tmp_path / "outbox" / "sms.jsonl"),
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

"""Factories of the text-message channel."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune.core.services import Services
    from smartcommune.sms.storage import OutboxSmsGateway, QueueSmsGateway


def sms_gateway(services: Services) -> QueueSmsGateway | OutboxSmsGateway:
    """The SMS queue (or, without one, the local outbox file); public: every capability that texts people uses it."""
    from smartcommune.sms.storage import sms_gateway as build

    return build(services.settings)

"""Runtime settings, parsed once from the environment at the edge and passed inward.

Nothing else in the package reads ``os.environ``: handlers call :func:`get_settings` and hand the
result (or what it builds) to the domain.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Stage = Literal["local", "test", "prod"]

DEVELOPMENT_PII_KEY = "local-development-only-key"
DEVELOPMENT_COMMAND_KEY = "local-development-command-key"


class Settings(BaseModel):
    """Every knob of the platform, with the defaults the local stack runs on."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    stage: Stage = "local"
    aws_region: str = "ap-southeast-1"
    # Set locally (moto server) and in tests; empty in AWS where the SDK finds the real endpoints.
    aws_endpoint_url: str | None = None

    table_name: str = "smartcommune-main"
    web_bucket: str = "smartcommune-web"
    media_bucket: str = "smartcommune-media"
    audit_anchor_bucket: str = "smartcommune-audit-anchors"
    sms_queue_url: str | None = None

    # "sns" sends real SMS through Amazon SNS; "outbox" appends them to a JSON-lines file for developers and tests.
    sms_transport: Literal["sns", "outbox"] = "outbox"
    outbox_path: str = ".local/outbox/sms.jsonl"

    # Keyed hashing of phone numbers and CCCD for look-up keys and logs; a secret in AWS (Secrets Manager).
    pii_hash_key: str = Field(default=DEVELOPMENT_PII_KEY, min_length=16)

    citizen_session_ttl_s: int = 30 * 24 * 3600
    staff_session_ttl_s: int = 12 * 3600
    otp_ttl_s: int = 300
    otp_max_attempts: int = 5
    otp_resend_after_s: int = 60
    otp_max_sends_per_phone_per_hour: int = 5
    otp_max_sends_per_client_per_hour: int = 20
    staff_max_failed_logins: int = 5
    staff_lockout_s: int = 15 * 60

    # Bulletins (issue 4): Vietnamese speech with espeak-ng + lame (on PATH locally; /opt/bin in the Lambda layer,
    # see docs/tts.md), and the public base URL CAP documents and the Atom index link to.
    tts_espeak_path: str = "espeak-ng"
    tts_lame_path: str = "lame"
    tts_espeak_data_path: str | None = None
    tts_voice: str = "vi"
    public_base_url: str = ""

    # ---- loudspeakers (issue 4, device fabric)
    # Platform secret the per-commune play-command keys are derived from (Secrets Manager in AWS).
    command_key: str = Field(default=DEVELOPMENT_COMMAND_KEY, min_length=16)
    # "iot" publishes commands through the IoT data plane (AWS); "mqtt" to the local Mosquitto.
    fanout_transport: Literal["iot", "mqtt"] = "mqtt"
    iot_data_endpoint: str | None = None
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = 1883
    mqtt_username: str = "platform"
    mqtt_password: str = "local-platform-password"  # noqa: S105 (local development only)
    speaker_offline_after_s: int = 90

    @model_validator(mode="after")
    def _no_development_key_in_production(self) -> Settings:
        if self.stage == "prod" and self.pii_hash_key == DEVELOPMENT_PII_KEY:
            raise ValueError("SMARTCOMMUNE_PII_HASH_KEY must be set to a secret in production")
        if self.stage == "prod" and self.command_key == DEVELOPMENT_COMMAND_KEY:
            # Speakers trust commands signed with this key: a public default would let anyone broadcast.
            raise ValueError("SMARTCOMMUNE_COMMAND_KEY must be set to a secret in production")
        return self

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Build settings from ``SMARTCOMMUNE_*`` variables (and ``AWS_REGION`` / ``AWS_ENDPOINT_URL``)."""
        source = dict(os.environ if env is None else env)
        values: dict[str, str] = {}
        for name in cls.model_fields:
            key = f"SMARTCOMMUNE_{name.upper()}"
            if key in source:
                values[name] = source[key]
        if "aws_region" not in values and source.get("AWS_REGION"):
            values["aws_region"] = source["AWS_REGION"]
        if "aws_endpoint_url" not in values and source.get("AWS_ENDPOINT_URL"):
            values["aws_endpoint_url"] = source["AWS_ENDPOINT_URL"]
        return cls.model_validate(values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests call ``get_settings.cache_clear()`` after changing the environment."""
    return Settings.from_env()

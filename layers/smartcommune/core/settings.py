"""Runtime settings, parsed once from the environment at the edge and passed inward.

Nothing else in the package reads ``os.environ``: handlers call :func:`get_settings` and hand the
result (or what it builds) to the domain.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Stage = Literal["local", "test", "prod"]

DEVELOPMENT_PII_KEY = "local-development-only-key"
DEVELOPMENT_COMMAND_KEY = "local-development-command-key"
DEVELOPMENT_EDGE_SECRET = "local-development-edge-secret"  # noqa: S105 (local development only)
DEVELOPMENT_PAYMENT_KEY = "local-development-payment-key"  # local development only
DEVELOPMENT_PROVINCE_KEY = "local-development-province-key"  # local development only


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
    # Mergers ordered through the province API wait here for the merge function (functions/communes_merge).
    merge_queue_url: str | None = None

    # "sns" sends real SMS through Amazon SNS; "outbox" appends them to a JSON-lines file for developers and tests.
    sms_transport: Literal["sns", "outbox"] = "outbox"
    outbox_path: str = ".local/outbox/sms.jsonl"
    # Status messages of one thread (one feedback item) queued within this many seconds replace each other: the
    # citizen gets the latest news once, not one SMS per step (SQS DelaySeconds: 0-900).
    sms_coalesce_s: int = Field(default=60, ge=0, le=900)

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
    # The local broker admits only mutual TLS: the platform's certificate (CN = ``mqtt_username``, its identity
    # in the broker's ACL), its key and the local CA. Set by the local stack (smartcommune_local.pki).
    mqtt_username: str = "platform"
    mqtt_cert_path: str | None = None
    mqtt_key_path: str | None = None
    mqtt_ca_path: str | None = None
    speaker_offline_after_s: int = 90

    # ---- security cameras (issue 10)
    # Raw frames and event snapshots (``cameras.contracts``: frames/ expire by the bucket's lifecycle rule).
    camera_bucket: str = "smartcommune-camera"
    camera_offline_after_s: int = 120

    # ---- personal data at rest and in transit (issue 8)
    # In AWS the template passes the ARNs of the secrets, never their values: a function's environment is readable
    # by anyone allowed lambda:GetFunctionConfiguration. :meth:`secret` reads a secret on first use and keeps it for
    # the life of the process. Without an ARN (local stack, tests) the value fields above are used.
    pii_hash_key_secret_arn: str | None = None
    command_key_secret_arn: str | None = None
    # The KMS key every queued SMS (phone and text, a sign-in code among them) is sealed with; only the SMS sender
    # may open it. None (no KMS at hand): bodies go in plain, and the sender accepts plain bodies only then.
    sms_key_id: str | None = None
    # Citizens' own profile changes (each may claim a CCCD), and staff look-ups by a full CCCD (CCCD probing).
    profile_max_updates_per_citizen_per_hour: int = 10
    profile_max_updates_per_client_per_hour: int = 30
    cccd_max_lookups_per_staff_per_hour: int = 30

    # ---- sign-in abuse (issue 8)
    # The secret CloudFront adds to every request it sends the API (origin custom header X-SmartCommune-Edge). Only
    # a request carrying it is believed about the viewer's address (CloudFront-Viewer-Address); any other request
    # is counted by the address that connected. The development value is never believed in production.
    edge_secret: str = DEVELOPMENT_EDGE_SECRET
    edge_secret_secret_arn: str | None = None
    otp_max_verifies_per_client_per_hour: int = 50
    # Failed staff passwords per client address and across the deployment (password spraying), per window.
    staff_login_max_failures_per_client: int = 20
    staff_login_client_window_s: int = 3600
    staff_login_max_failures_global: int = 100
    staff_login_global_window_s: int = 900
    # scrypt's N for new staff password hashes (r=8, p=1). Production: at least OWASP's 2^17; tests lower it.
    staff_password_scrypt_n: int = Field(default=2**17, ge=2**10)

    # ---- fees and payments (issue 13)
    # Platform secret each commune's payment-callback secret is derived from (Secrets Manager in AWS); the provider
    # signs callbacks with the commune's (``fees.logic.payments``).
    payment_key: str = Field(default=DEVELOPMENT_PAYMENT_KEY, min_length=16)
    payment_key_secret_arn: str | None = None
    # A TrueType font with Vietnamese glyphs for receipt PDFs: Debian's fonts-dejavu-core here; in Lambda the same
    # file from the TTS layer, /opt/fonts/DejaVuSans.ttf (used when this path does not exist; fees.wiring).
    receipt_font_path: str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

    # ---- the province's signed API (issue 11, criterion 2.1)
    # "keys": the handler verifies SigV4 with the provisioned clients' secrets (local stack, tests); "iam": API
    # Gateway's AWS_IAM authorisation verified the signature and names the caller, mapped to a registered client.
    province_auth: Literal["keys", "iam"] = "keys"
    # How far X-Amz-Date may be from the server's clock, either way.
    province_signature_window_s: int = Field(default=300, ge=30, le=900)
    # The key client secrets are sealed with in the table (AES-GCM; Secrets Manager in AWS).
    province_key: str = Field(default=DEVELOPMENT_PROVINCE_KEY, min_length=16)
    province_key_secret_arn: str | None = None

    # ---- signed reports (issue 11, reporting)
    # Local keys (the JWS key file, the demo CA of the PDFs): this folder, else ``<data dir>/reports`` beside the
    # SMS outbox's folder. In AWS: the KMS key (ECC_NIST_P256, SIGN_VERIFY) that signs the JWS, and the commune's
    # certificate with its chain and private key as one PEM bundle in Secrets Manager (docs/reporting.md).
    report_keys_dir: str = ""
    report_kms_key_id: str | None = None
    report_pdf_signer: str = ""
    report_pdf_signer_secret_arn: str | None = None

    @property
    def trusted_province_key(self) -> str:
        """The key province client secrets are sealed with; empty (the province API refuses to start) for the public
        development value in production when the handler verifies keys itself: secrets sealed with a public key are
        readable by anyone who may read the table. (With ``iam`` the secrets verify nothing.)"""
        value = self.secret("province_key")
        if self.stage == "prod" and self.province_auth == "keys" and value == DEVELOPMENT_PROVINCE_KEY:
            return ""
        return value

    @property
    def trusted_payment_key(self) -> str:
        """The key payment callbacks are verified with; empty (every callback refused) for the public development
        value in production: a callback signed with a public key would mark invoices paid for anyone."""
        value = self.secret("payment_key")
        if self.stage == "prod" and value == DEVELOPMENT_PAYMENT_KEY:
            return ""
        return value

    @property
    def trusted_edge_secret(self) -> str:
        """The edge secret requests are checked against (from Secrets Manager in AWS, read once); empty (believe
        no one) for the public development value in production."""
        value = self.secret("edge_secret")
        if self.stage == "prod" and value == DEVELOPMENT_EDGE_SECRET:
            return ""
        return value

    @model_validator(mode="after")
    def _no_development_key_in_production(self) -> Settings:
        if self.stage == "prod" and self.pii_hash_key == DEVELOPMENT_PII_KEY and not self.pii_hash_key_secret_arn:
            raise ValueError("SMARTCOMMUNE_PII_HASH_KEY must be set to a secret in production")
        if self.stage == "prod" and self.command_key == DEVELOPMENT_COMMAND_KEY and not self.command_key_secret_arn:
            # Speakers trust commands signed with this key: a public default would let anyone broadcast.
            raise ValueError("SMARTCOMMUNE_COMMAND_KEY must be set to a secret in production")
        if self.stage == "prod" and self.sms_queue_url and not self.sms_key_id:
            # Unsealed, a queued SMS shows its phone number and sign-in code to anyone who may read the queue.
            raise ValueError("SMARTCOMMUNE_SMS_KEY_ID must name the KMS key queued SMS are sealed with in production")
        if self.stage == "prod" and self.staff_password_scrypt_n < 2**17:
            raise ValueError("SMARTCOMMUNE_STAFF_PASSWORD_SCRYPT_N may not be below 2^17 (OWASP) in production")
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

    def secret(self, name: str) -> str:
        """The secret field ``name`` (``pii_hash_key``, ``command_key``, ``edge_secret``, ``payment_key``,
        ``province_key``): from
        Secrets Manager when the field ``<name>_secret_arn`` is set (read once, then cached), else the value field
        itself (local stack, tests)."""
        arn = getattr(self, f"{name}_secret_arn")
        if not arn:
            return str(getattr(self, name))
        return _read_secret(self, arn)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests call ``get_settings.cache_clear()`` after changing the environment."""
    return Settings.from_env()


_secrets: dict[tuple[str | None, str], str] = {}
_secrets_lock = threading.Lock()


def _read_secret(settings: Settings, arn: str) -> str:
    """A Secrets Manager secret's string, fetched on first use and kept for the process (one Lambda container).

    Neither key may change under a running deployment (look-up hashes and the speakers' keys derive from them), so
    there is nothing to refresh; a cold start reads them again.
    """
    key = (settings.aws_endpoint_url, arn)
    with _secrets_lock:
        if key not in _secrets:
            from smartcommune.core.aws import client

            _secrets[key] = str(client("secretsmanager", settings).get_secret_value(SecretId=arn)["SecretString"])
        return _secrets[key]

"""One-time sign-in codes, with conditional writes (resend, wrong tries, single use)."""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, PutError, UpdateError

from smartcommune.core.table import MainTable, MergePolicy, commune_pk
from smartcommune.identity.logic.ports import OtpChallenge
from smartcommune.identity.storage.common import epoch as _epoch
from smartcommune.identity.storage.common import failed_condition as _failed_condition
from smartcommune.identity.storage.common import moment as _moment


class OtpChallengeItem(MainTable, discriminator="otp_challenge"):
    merge = MergePolicy.DROP

    code_hash = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    sent_at = UTCDateTimeAttribute()


def _otp_pk(commune_id: str, phone_key: str) -> str:
    return commune_pk(commune_id, "OTP", phone_key)


class OtpRepository:
    """Sign-in codes; implements ``smartcommune.identity.logic.ports.OtpStore`` with conditional writes."""

    def get(self, commune_id: str, phone_key: str) -> OtpChallenge | None:
        try:
            item = OtpChallengeItem.get(_otp_pk(commune_id, phone_key), "CHALLENGE", consistent_read=True)
        except OtpChallengeItem.DoesNotExist:
            return None
        return OtpChallenge(
            commune_id=commune_id,
            phone_key=phone_key,
            code_hash=item.code_hash,
            attempts=int(item.attempts or 0),
            sent_at=item.sent_at,
            expires_at=_moment(item.expires_at or 0),
        )

    def put(self, challenge: OtpChallenge, sent_before: datetime) -> bool:
        item = OtpChallengeItem(
            _otp_pk(challenge.commune_id, challenge.phone_key),
            "CHALLENGE",
            code_hash=challenge.code_hash,
            attempts=challenge.attempts,
            sent_at=challenge.sent_at,
            expires_at=_epoch(challenge.expires_at),
        )
        try:
            item.save(
                condition=OtpChallengeItem.pk.does_not_exist()
                | (OtpChallengeItem.sent_at <= sent_before)
                | (OtpChallengeItem.expires_at <= _epoch(challenge.sent_at))
            )
        except PutError as exc:
            if _failed_condition(exc):
                return False
            raise
        return True

    def add_failed_attempt(self, commune_id: str, phone_key: str, max_attempts: int) -> int | None:
        item = OtpChallengeItem(_otp_pk(commune_id, phone_key), "CHALLENGE")
        try:
            item.update(
                actions=[OtpChallengeItem.attempts.add(1)],
                condition=OtpChallengeItem.pk.exists() & (OtpChallengeItem.attempts < max_attempts),
            )
        except UpdateError as exc:
            if _failed_condition(exc):
                return None
            raise
        return int(item.attempts)

    def consume(self, commune_id: str, phone_key: str, code_hash: str, max_attempts: int, now: datetime) -> bool:
        item = OtpChallengeItem(_otp_pk(commune_id, phone_key), "CHALLENGE")
        try:
            item.delete(
                condition=(OtpChallengeItem.code_hash == code_hash)
                & (OtpChallengeItem.attempts < max_attempts)
                & (OtpChallengeItem.expires_at > _epoch(now))
            )
        except DeleteError as exc:
            if _failed_condition(exc):
                return False
            raise
        return True

    def delete(self, commune_id: str, phone_key: str) -> None:
        OtpChallengeItem(_otp_pk(commune_id, phone_key), "CHALLENGE").delete()

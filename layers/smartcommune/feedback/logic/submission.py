"""Submitting feedback: photo uploads (a presigned PUT, read back on submit), a citizen's idempotent submission,
and requests posted through Open311.

Its own room because this is where a new item is made (its tracking code, counters and idempotency record in one
transaction), and where every input check happens before anything is written.
"""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from smartcommune.audit.contracts import AuditRecord
from smartcommune.core.contracts import VN_TZ, Role
from smartcommune.core.errors import ConflictError
from smartcommune.feedback.contracts.records import Feedback, GeoPoint, Photo, ReporterContact, TimelineEntry
from smartcommune.feedback.contracts.views import UploadTicket
from smartcommune.feedback.logic.base import FeedbackBase
from smartcommune.feedback.logic.codes import IdempotencyRecord, commune_prefix, fingerprint, tracking_code
from smartcommune.feedback.logic.counters import counter_deltas
from smartcommune.feedback.logic.image_metadata import strip_metadata
from smartcommune.feedback.logic.messages import invalid, not_found
from smartcommune.feedback.logic.photos import UPLOAD_TTL_S, UploadInfo, upload_problem
from smartcommune.feedback.logic.rules import deadline_for

if TYPE_CHECKING:
    from smartcommune.communes.contracts import Commune
    from smartcommune.core.principal import Principal
    from smartcommune.feedback.contracts.records import FeedbackField
    from smartcommune.feedback.contracts.requests import NewFeedback

_KEY_REUSED = (
    "Mã Idempotency-Key này đã được dùng cho một phản ánh khác; hãy tạo mã mới cho phản ánh mới.",
    "This Idempotency-Key was already used for a different submission; use a new key for a new one.",
)


class SubmissionMixin(FeedbackBase):
    """The submission part of :class:`~smartcommune.feedback.logic.feedback.FeedbackService`."""

    # ------------------------------------------------------------ photos

    def _upload_key(self, commune_id: str, upload_id: str) -> str:
        """Where the phone puts a photo: under ``media/uploads/``, which the bucket empties after a day (abandoned
        uploads), and which the upload link can keep writing to for its 15 minutes."""
        return f"media/uploads/feedback/{commune_id}/{upload_id}"

    def _photo_key(self, commune_id: str, upload_id: str) -> str:
        """Where the checked, stripped photo is kept: a key no upload link points to, so nothing the citizen's
        link sends after submitting can put the original (with its GPS position) back."""
        return f"media/{commune_id}/feedback/{upload_id}"

    def _upload_id(self, owner: str, nonce: str) -> str:
        return nonce + self._signer.hash(f"feedback-upload|{owner}|{nonce}")[:16]

    def request_upload(self, caller: Principal, content_type: str, size_bytes: int) -> UploadTicket:
        """A presigned PUT for one photo (type and exact length signed), valid 15 minutes."""
        self._commune(caller.commune_id)
        upload_id = self._upload_id(caller.subject_id, secrets.token_hex(12))
        url = self._media.presign_upload(
            self._upload_key(caller.commune_id, upload_id), content_type, size_bytes, UPLOAD_TTL_S
        )
        return UploadTicket(
            upload_id=upload_id,
            url=url,
            headers={"Content-Type": content_type, "Content-Length": str(size_bytes)},
            expires_at=self._clock() + timedelta(seconds=UPLOAD_TTL_S),
        )

    def _photos(self, commune_id: str, owner: str, upload_ids: list[str]) -> list[Photo]:
        if len(set(upload_ids)) != len(upload_ids):
            raise invalid("upload_ids", "Một ảnh được gửi hai lần.", "A photo is listed twice.")
        photos = []
        for index, upload_id in enumerate(upload_ids):
            where = f"upload_ids.{index}"
            if len(upload_id) != 40 or self._upload_id(owner, upload_id[:24]) != upload_id:
                raise invalid(where, "Mã ảnh tải lên không hợp lệ.", "Unknown upload id.")
            key = self._upload_key(commune_id, upload_id)
            info = self._media.read(key)
            problem = upload_problem(info)
            if problem is not None:
                raise invalid(where, *problem)
            assert info is not None
            # No stored photo keeps where it was taken: the server strips every upload, whatever sent it.
            clean = strip_metadata(info.data)
            problem = upload_problem(UploadInfo(len(clean), info.content_type, clean))
            if problem is not None:  # nothing of a picture was left once the metadata was gone
                raise invalid(where, *problem)
            kept = self._photo_key(commune_id, upload_id)
            self._media.write(kept, clean, info.declared)
            photos.append(Photo(key=kept, content_type=info.declared, size_bytes=len(clean)))
        return photos

    # ------------------------------------------------------------ submission

    def _check_hamlet(self, commune: Commune, hamlet_id: str | None) -> None:
        if hamlet_id is not None and commune.hamlet(hamlet_id) is None:
            names = ", ".join(h.name for h in commune.hamlets)
            raise invalid(
                "hamlet_id",
                f"Xóm/thôn không thuộc {commune.name}. Chọn một trong: {names}.",
                f"The hamlet is not part of {commune.name}.",
            )

    def _replay(self, record: IdempotencyRecord, print_: str) -> dict[str, Any]:
        if record.fingerprint != print_:
            raise ConflictError(*_KEY_REUSED)
        body: dict[str, Any] = json.loads(record.body)
        return body

    def submit(self, caller: Principal, new: NewFeedback, idempotency_key: str) -> dict[str, Any]:
        """A citizen submits feedback; returns the 201 body (the same body again for a retry with the same key).

        Raises :class:`InvalidInputError` (unknown field or hamlet, a photo missing, too large or not what it
        claims to be — nothing is written), :class:`ConflictError` when the key was used for another body.
        """
        commune_id, owner = caller.commune_id, caller.subject_id
        print_ = fingerprint(new.model_dump_json())
        # No look-up of the key first: the transaction's condition on the key's item decides, and only a retry
        # pays for reading the first body (a retry costs a tracking number: codes are unique, not gapless).
        commune = self._commune(commune_id)
        field_ = self._field(commune_id, new.field_code)
        self._check_hamlet(commune, new.hamlet_id)
        photos = self._photos(commune_id, owner, new.upload_ids)
        feedback = self._new(
            commune,
            field_,
            citizen_id=owner,
            title=new.title,
            description=new.description,
            hamlet_id=new.hamlet_id,
            location=new.location,
            photos=photos,
            anonymous_public=new.anonymous_public,
            channel="web",
        )
        body = self.view(feedback).model_dump_json()
        record = IdempotencyRecord(idempotency_key, owner, print_, feedback.id, body)
        if not self._store.create(feedback, counter_deltas(None, feedback), record, self._search(feedback)):
            raced = self._store.idempotent(commune_id, owner, idempotency_key)
            if raced is None:  # pragma: no cover - the store said the key was taken
                raise ConflictError(*_KEY_REUSED)
            return self._replay(raced, print_)
        self._notify(commune, feedback)
        return self._replay(record, print_)

    def _new(
        self,
        commune: Commune,
        field_: FeedbackField,
        *,
        citizen_id: str | None,
        title: str,
        description: str,
        hamlet_id: str | None,
        location: GeoPoint | None,
        photos: list[Photo],
        anonymous_public: bool,
        channel: str,
        **extra: Any,
    ) -> Feedback:
        now = self._clock()
        year = now.astimezone(VN_TZ).year
        number = self._store.next_number(commune.id, year)
        return Feedback(
            id=uuid.uuid4().hex,
            tracking_code=tracking_code(commune_prefix(commune), year, number),
            commune_id=commune.id,
            citizen_id=citizen_id,
            field_code=field_.code,
            title=title,
            description=description,
            hamlet_id=hamlet_id,
            location=location,
            photos=photos,
            anonymous_public=anonymous_public,
            status="received",
            unit=field_.unit,
            deadline_at=deadline_for(now, field_.deadline_hours),
            created_at=now,
            updated_at=now,
            channel=channel,
            timeline=[TimelineEntry(at=now, status="received", action="submit", actor_role="citizen")],
            **extra,
        )

    def submit_from_open311(
        self,
        commune_id: str,
        *,
        field_code: str,
        description: str,
        title: str | None,
        lat: float | None,
        lon: float | None,
        address: str | None,
        email: str | None,
        phone: str | None,
        first_name: str | None,
        last_name: str | None,
        media_url: str | None,
        idempotency_key: str | None,
        api_client: str,
        api_client_label: str | None = None,
        hamlet_id: str | None = None,
        request_id: str | None = None,
    ) -> Feedback:
        """A request posted through Open311 (channel ``open311``); it shows in the staff inbox like any other.

        The reporter's name, e-mail and phone are what the client *states*: nobody proved them, so they never find
        or make a citizen account and are never texted; they stay on the item as its
        :class:`~smartcommune.feedback.contracts.records.ReporterContact` (unverified). ``api_client`` is the key's
        id: the item is audited with it as the actor, in the same transaction. ``field_code`` is the field's code
        (map Open311 service codes with :meth:`fields`). A repeated ``idempotency_key`` of the same ``api_client``
        returns the first item.
        """
        commune = self._commune(commune_id)
        field_ = self._field(commune_id, field_code)
        self._check_hamlet(commune, hamlet_id)
        owner = f"open311:{api_client}"
        text = f"{field_code}|{description}|{title}|{lat}|{lon}|{address}|{hamlet_id}|{email}|{phone}|{media_url}"
        print_ = fingerprint(text)
        if idempotency_key:
            known = self._store.idempotent(commune_id, owner, idempotency_key)
            if known is not None:
                self._replay(known, print_)
                found = self._store.get(commune_id, known.feedback_id)
                if found is None:  # pragma: no cover - written in one transaction
                    raise not_found()
                return found
        name = " ".join(p for p in (last_name, first_name) if p) or None
        contact = (
            ReporterContact(name=name, email=email, phone=phone, via=api_client) if name or email or phone else None
        )
        summary = title or (description[:80] + ("…" if len(description) > 80 else ""))
        feedback = self._new(
            commune,
            field_,
            citizen_id=None,
            title=summary,
            description=description,
            hamlet_id=hamlet_id,
            location=GeoPoint(lat=lat, lon=lon) if lat is not None and lon is not None else None,
            photos=[],
            anonymous_public=True,
            channel="open311",
            address=address,
            media_url=media_url,
            reporter_contact=contact,
        )
        audit = AuditRecord(
            actor_id=owner,
            actor_role=Role.CITIZEN,  # a client app reporting for a member of the public, never staff
            action="feedback.submit",
            target=f"feedback/{feedback.id}",
            after={
                "status": feedback.status,
                "channel": feedback.channel,
                "field_code": feedback.field_code,
                "tracking_code": feedback.tracking_code,
                "api_client": api_client_label or api_client,
            },
            request_id=request_id,
        )
        record = IdempotencyRecord(idempotency_key, owner, print_, feedback.id, "{}") if idempotency_key else None
        if not self._store.create(feedback, counter_deltas(None, feedback), record, self._search(feedback), audit):
            assert idempotency_key is not None
            raced = self._store.idempotent(commune_id, owner, idempotency_key)
            found = self._store.get(commune_id, raced.feedback_id) if raced else None
            if found is None:  # pragma: no cover
                raise ConflictError(*_KEY_REUSED)
            return found
        # No status SMS: the item has no citizen, and a stated phone is never texted.
        return feedback

"""What the directory, the places and the news share: ids, search words, slugs, audit records, photos."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from smartcommune.audit.contracts import AuditRecord
from smartcommune.core.errors import FieldProblem, InvalidInputError, NotFoundError
from smartcommune.core.text import fold, mask_phone, search_tokens
from smartcommune.site.contracts import PhotoView, SitePhoto, UploadTicket

if TYPE_CHECKING:
    from smartcommune.core.principal import Principal
    from smartcommune.site.logic.ports import Hamlets, MediaStore, PhotoSanitizer

Clock = Callable[[], datetime]
UPLOAD_TTL_S = 15 * 60
DOWNLOAD_TTL_S = 60 * 60
MAX_QUERY_WORDS = 6


def invalid(field: str, message: str, message_en: str) -> InvalidInputError:
    return InvalidInputError(message, message_en, details=[FieldProblem(field, message, message_en)])


def new_id(prefix: str, caller: Principal, request_key: str | None) -> str:
    """A fresh record id; with the request's ``Idempotency-Key``, the same id on a retry (so a retry creates
    nothing new)."""
    if request_key:
        digest = hashlib.sha256(f"{caller.commune_id}|{caller.subject_id}|{prefix}|{request_key}".encode()).hexdigest()
        return f"{prefix}-{digest[:20]}"
    return f"{prefix}-{secrets.token_hex(10)}"


def words_of(*texts: str | None) -> str:
    """The folded words of a record, space-framed (``" nuoc mam giao phong "``), for prefix matching by word."""
    tokens = sorted({t for text in texts if text for t in search_tokens(text)})
    return " " + " ".join(tokens) + " "


def query_words(q: str | None) -> list[str]:
    """The folded words of a search (diacritics ignored: "nuoc mam" finds "Nước mắm")."""
    return search_tokens(q)[:MAX_QUERY_WORDS] if q else []


def slugify(text: str) -> str:
    """``"Hội nghị tổng kết năm 2025"`` → ``"hoi-nghi-tong-ket-nam-2025"`` (at most 60 characters, whole words)."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    if len(slug) > 60:
        slug = slug[:60].rsplit("-", 1)[0]
    return slug or "bai-viet"


def audit_record(caller: Principal, action: str, target: str, before: Any, after: Any) -> AuditRecord:
    def dump(value: Any) -> dict[str, Any] | None:
        if value is None:
            return None
        data: dict[str, Any] = value.model_dump(mode="json", exclude={"version", "history", "body"})
        # Work numbers are public, but the audit trail keeps no phone number in clear, whoever's it is.
        for key in ("work_phone", "contact_phone"):
            if data.get(key):
                data[key] = mask_phone(data[key])
        return data

    return AuditRecord(
        actor_id=caller.subject_id,
        actor_role=caller.primary_role,
        action=action,
        target=target,
        before=dump(before),
        after=dump(after),
    )


def not_found(what_vi: str, what_en: str) -> NotFoundError:
    return NotFoundError(f"Không tìm thấy {what_vi}.", f"{what_en} not found.")


class Photos:
    """Uploads to the media bucket and what is kept of them: checked (size, type by the first bytes) and stripped
    of every metadata (EXIF with GPS, XMP, IPTC, comments) on the server, whatever the browser sent."""

    def __init__(self, media: MediaStore, sanitizer: PhotoSanitizer, clock: Clock) -> None:
        self._media = media
        self._sanitizer = sanitizer
        self._clock = clock

    @staticmethod
    def upload_key(commune_id: str, upload_id: str) -> str:
        """Under ``media/uploads/``, which the bucket's lifecycle rule empties after a day."""
        return f"media/uploads/site/{commune_id}/{upload_id}"

    @staticmethod
    def kept_key(commune_id: str, upload_id: str) -> str:
        """A key no upload link points to, so the original cannot be put back once checked."""
        return f"media/{commune_id}/site/{upload_id}"

    def ticket(self, commune_id: str, content_type: str, size_bytes: int) -> UploadTicket:
        upload_id = secrets.token_hex(16)
        url = self._media.presign_upload(self.upload_key(commune_id, upload_id), content_type, size_bytes, UPLOAD_TTL_S)
        return UploadTicket(
            upload_id=upload_id,
            url=url,
            headers={"Content-Type": content_type, "Content-Length": str(size_bytes)},
            expires_at=self._clock() + timedelta(seconds=UPLOAD_TTL_S),
        )

    def keep(self, commune_id: str, upload_id: str, caption: str | None, field: str = "upload_id") -> SitePhoto:
        if not re.fullmatch(r"[0-9a-f]{32}", upload_id):
            raise invalid(field, "Mã ảnh tải lên không hợp lệ.", "Unknown upload id.")
        info = self._media.read(self.upload_key(commune_id, upload_id))
        if info is None:
            raise invalid(field, "Ảnh chưa được tải lên (hoặc đã hết hạn); vui lòng tải lại ảnh.", "Not uploaded.")
        problem = self._sanitizer.problem(info.size_bytes, info.content_type, info.data)
        if problem is not None:
            raise invalid(field, *problem)
        declared = info.content_type.split(";")[0].strip().lower()
        clean = self._sanitizer.strip(info.data)
        problem = self._sanitizer.problem(len(clean), declared, clean)
        if problem is not None:  # nothing of a picture was left once the metadata was gone
            raise invalid(field, *problem)
        key = self.kept_key(commune_id, upload_id)
        self._media.write(key, clean, declared)
        return SitePhoto(id=upload_id, key=key, content_type=declared, size_bytes=len(clean), caption=caption)

    def view(self, photo: SitePhoto) -> PhotoView:
        return PhotoView(
            id=photo.id, url=self._media.presign_download(photo.key, DOWNLOAD_TTL_S), caption=photo.caption
        )


class Communes:
    """The commune's existence and hamlets, for checking input and naming hamlets on public pages."""

    def __init__(self, hamlets: Hamlets) -> None:
        self._hamlets = hamlets

    def hamlets(self, commune_id: str) -> dict[str, str]:
        found = self._hamlets(commune_id)
        if found is None:
            raise not_found("xã", "Commune")
        return found

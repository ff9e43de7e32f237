"""Photo checks, pure: the image types accepted, telling them by their first bytes, and why an upload cannot be
attached.

Its own room because not every S3 stand-in checks a presigned PUT's signature, so each upload is read back and judged
here (size, declared type, magic bytes) before it is attached; the media adapter fills :class:`UploadInfo`. What
passes is then stripped of its metadata (:mod:`.image_metadata`) and written back before the item is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from smartcommune.feedback.contracts.records import MAX_PHOTO_BYTES

UPLOAD_TTL_S = 15 * 60
DOWNLOAD_TTL_S = 60 * 60


MAGIC: dict[str, Callable[[bytes], bool]] = {
    "image/jpeg": lambda head: head.startswith(b"\xff\xd8\xff"),
    "image/png": lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/webp": lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP",
}


def sniff_image(head: bytes) -> str | None:
    """The image type the first bytes of a file announce (JPEG, PNG or WebP), else ``None``."""
    return next((kind for kind, test in MAGIC.items() if test(head)), None)


@dataclass(frozen=True)
class UploadInfo:
    """What S3 holds under an upload's key: its size, declared type and its bytes (the first
    ``MAX_PHOTO_BYTES + 1`` at most, so a file too large is never read whole)."""

    size_bytes: int
    content_type: str
    data: bytes

    @property
    def declared(self) -> str:
        """The declared type without parameters (``image/webp; x=y`` → ``image/webp``)."""
        return self.content_type.split(";")[0].strip().lower()


def upload_problem(info: UploadInfo | None) -> tuple[str, str] | None:
    """Why an upload cannot be attached (Vietnamese, English), or ``None`` when it is a proper photo."""
    if info is None:
        return "Ảnh chưa được tải lên (hoặc đã hết hạn); vui lòng tải lại ảnh.", "The photo was not uploaded."
    if info.size_bytes > MAX_PHOTO_BYTES or info.size_bytes <= 0:
        return "Ảnh vượt quá 5 MB; vui lòng chọn ảnh nhỏ hơn.", "The photo is larger than 5 MB."
    if info.declared not in MAGIC:
        return "Chỉ nhận ảnh JPEG, PNG hoặc WebP.", "Only JPEG, PNG or WebP photos are accepted."
    if sniff_image(info.data[:16]) != info.declared:
        return (
            "Tệp tải lên không phải là ảnh đúng định dạng đã khai báo.",
            "The uploaded file is not an image of the declared type.",
        )
    return None

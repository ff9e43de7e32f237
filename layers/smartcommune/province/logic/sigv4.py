"""AWS Signature Version 4 (AWS4-HMAC-SHA256), checked from the request as it arrived: pure, no AWS.

The same algorithm botocore's ``SigV4Auth`` and ``requests-aws4auth`` sign with (the tests sign with them, not with
this module): a canonical request (method, URI-encoded path, sorted query, the signed headers, the payload's
SHA-256), a string to sign naming the date, region and service, and a key derived from the secret by HMAC chain.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote, unquote

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "execute-api"
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
REQUIRED_SIGNED_HEADERS = frozenset({"host", "x-amz-date"})

_AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+)\s*,\s*SignedHeaders=(?P<signed>[a-z0-9;_.-]+)"
    r"\s*,\s*Signature=(?P<signature>[0-9a-f]{64})\s*$"
)


class SignatureError(Exception):
    """Why a request's signature is refused, in Vietnamese and English (mapped to 401 by the gate)."""

    def __init__(self, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message = message
        self.message_en = message_en


@dataclass(frozen=True)
class Authorization:
    """The parts of an ``Authorization: AWS4-HMAC-SHA256 …`` header."""

    access_key_id: str
    date: str  # YYYYMMDD
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


@dataclass(frozen=True)
class SignedRequest:
    """A request as it arrived. ``paths``: the paths the client may have signed (behind a prefix-stripping edge the
    API sees ``/x`` where the client asked for ``/api/x``); ``headers`` with lower-case names; ``query`` decoded."""

    method: str
    paths: tuple[str, ...]
    headers: dict[str, str]
    query: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def parse_authorization(value: str | None) -> Authorization:
    """The header's parts, or :class:`SignatureError` if it is missing or not a SigV4 header."""
    if not value:
        raise SignatureError(
            "Yêu cầu chưa được ký: API của tỉnh chỉ nhận yêu cầu ký bằng AWS SigV4 (AWS4-HMAC-SHA256).",
            "The request is not signed: the province API accepts only AWS SigV4 (AWS4-HMAC-SHA256) signed requests.",
        )
    match = _AUTH_RE.match(value.strip())
    if match is None:
        raise SignatureError(
            "Tiêu đề Authorization không phải chữ ký AWS SigV4 hợp lệ.",
            "The Authorization header is not a valid AWS SigV4 signature.",
        )
    parts = match["credential"].split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise SignatureError(
            "Phạm vi chứng thực (Credential) không hợp lệ.", "The signature's credential scope is malformed."
        )
    signed = tuple(match["signed"].split(";"))
    return Authorization(parts[0], parts[1], parts[2], parts[3], signed, match["signature"])


def parse_amz_date(value: str | None) -> datetime:
    if not value:
        raise SignatureError("Thiếu tiêu đề X-Amz-Date.", "The X-Amz-Date header is missing.")
    try:
        return datetime.strptime(value, AMZ_DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError as exc:
        raise SignatureError(
            "X-Amz-Date không đúng định dạng (YYYYMMDDTHHMMSSZ).", "X-Amz-Date is not in the form YYYYMMDDTHHMMSSZ."
        ) from exc


def check_scope(auth: Authorization, amz_date: datetime, region: str) -> None:
    """The credential scope names this deployment's region, ``execute-api``, and the request's own day."""
    if auth.service != SERVICE or auth.region != region:
        raise SignatureError(
            f"Chữ ký phải dành cho dịch vụ {SERVICE} ở vùng {region}.",
            f"The signature must be scoped to service {SERVICE} in region {region}.",
        )
    if auth.date != amz_date.strftime("%Y%m%d"):
        raise SignatureError(
            "Ngày trong phạm vi chứng thực khác ngày của X-Amz-Date.",
            "The credential scope's date differs from X-Amz-Date's.",
        )
    missing = REQUIRED_SIGNED_HEADERS - set(auth.signed_headers)
    if missing:
        raise SignatureError(
            "Chữ ký phải bao gồm các tiêu đề: " + ", ".join(sorted(missing)) + ".",
            "The signature must cover the headers: " + ", ".join(sorted(missing)) + ".",
        )


def check_window(amz_date: datetime, now: datetime, window_s: int) -> None:
    """Refuse a request signed more than ``window_s`` seconds before or after ``now`` (a stale or future one)."""
    if abs((now - amz_date).total_seconds()) > window_s:
        raise SignatureError(
            f"Yêu cầu đã quá hạn: thời điểm ký (X-Amz-Date) lệch quá {window_s // 60} phút so với máy chủ.",
            f"The request is stale: its X-Amz-Date is more than {window_s // 60} minutes from the server's clock.",
        )


def payload_hash(request: SignedRequest) -> str:
    """The body's SHA-256; a declared ``x-amz-content-sha256`` must be that very hash (no unsigned payloads)."""
    actual = hashlib.sha256(request.body).hexdigest()
    declared = request.headers.get("x-amz-content-sha256")
    if declared is not None and declared.strip().lower() != actual:
        raise SignatureError(
            "Nội dung yêu cầu không khớp với mã băm đã ký (x-amz-content-sha256).",
            "The request body does not match its signed hash (x-amz-content-sha256).",
        )
    return actual


def _uri(path: str) -> str:
    """The canonical URI as botocore builds it for execute-api: the URL's (encoded) path, encoded once more."""
    encoded = quote(unquote(path or "/"), safe="/~")
    return quote(encoded, safe="/~")


def _query(query: dict[str, str]) -> str:
    pairs = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in query.items())
    return "&".join(f"{k}={v}" for k, v in pairs)


def canonical_request(request: SignedRequest, path: str, signed_headers: tuple[str, ...], body_hash: str) -> str:
    headers = []
    for name in signed_headers:
        value = request.headers.get(name)
        if value is None:
            raise SignatureError(
                f"Thiếu tiêu đề đã ký: {name}.", f"A signed header is missing from the request: {name}."
            )
        headers.append(f"{name}:{' '.join(value.split())}")
    return "\n".join(
        [
            request.method.upper(),
            _uri(path),
            _query(request.query),
            "\n".join(headers) + "\n",
            ";".join(signed_headers),
            body_hash,
        ]
    )


def signing_key(secret: str, day: str, region: str, service: str) -> bytes:
    key = hmac.new(f"AWS4{secret}".encode(), day.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def expected_signature(request: SignedRequest, path: str, auth: Authorization, amz_date: str, secret: str) -> str:
    canonical = canonical_request(request, path, auth.signed_headers, payload_hash(request))
    scope = f"{auth.date}/{auth.region}/{auth.service}/aws4_request"
    to_sign = "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    return hmac.new(
        signing_key(secret, auth.date, auth.region, auth.service), to_sign.encode(), hashlib.sha256
    ).hexdigest()


def verify_signature(request: SignedRequest, auth: Authorization, secret: str) -> None:
    """Raise :class:`SignatureError` unless ``auth.signature`` is the request's signature under ``secret``."""
    amz_date = request.headers.get("x-amz-date", "")
    for path in request.paths:
        if hmac.compare_digest(expected_signature(request, path, auth, amz_date, secret), auth.signature):
            return
    raise SignatureError(
        "Chữ ký không hợp lệ: khóa bí mật sai, hoặc phương thức, đường dẫn, tham số hay nội dung đã bị thay đổi.",
        "The signature does not match: a wrong secret key, or the method, path, query or body was changed.",
    )

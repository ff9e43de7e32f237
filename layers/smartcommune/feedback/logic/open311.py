"""Open311 GeoReport v2 on top of citizen feedback: the gateway and the ports it is given.

GeoReport v2 (https://wiki.open311.org/GeoReport_v2) knows *services* (our feedback fields, lĩnh vực) and
*service requests* (our feedback items, phản ánh). The pieces are pure and live beside this module: the formats,
errors and rendering (:mod:`.open311_formats`), the mapping of our records to the spec's objects
(:mod:`.open311_mapping`), and the input rules of ``POST requests`` (:mod:`.open311_post`) and ``GET requests``
(:mod:`.open311_query`). :class:`Open311Gateway` strings them together over ports that the wiring
(``smartcommune.feedback.wiring``) fills with the real ``FeedbackService``, key repository and rate limiter.

Our workflow has nine statuses; the spec has two (``open`` / ``closed``). The full status travels as the
documented ``extended_attributes`` extension (``extensions=true``) and in ``status_notes`` as text. See
``docs/open311.md``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from smartcommune.core.errors import NotFoundError, SmartCommuneError
from smartcommune.feedback.logic.open311_formats import Open311Error, from_domain_error
from smartcommune.feedback.logic.open311_mapping import (
    HAMLET_ATTRIBUTE,
    TITLE_ATTRIBUTE,
    active_fields,
    coarse_point,
    find_field,
    is_published,
    request_view,
    service_definition,
    service_notice,
    service_view,
    status_view,
)
from smartcommune.feedback.logic.open311_post import derive_title, idempotency_key_for, validate_post
from smartcommune.feedback.logic.open311_query import MAX_RESULTS, matches, parse_request_query

if TYPE_CHECKING:
    from smartcommune.communes.contracts import Commune
    from smartcommune.feedback.contracts.records import Feedback, FeedbackField
    from smartcommune.feedback.contracts.views import PublicFeedback

# ---------------------------------------------------------------- the records we read (ports)


class FeedbackPort(Protocol):
    """The part of ``FeedbackService`` Open311 calls (``docs/feedback-contract.md``)."""

    def fields(self, commune_id: str) -> Sequence[FeedbackField]: ...

    def submit_from_open311(
        self,
        commune_id: str,
        *,
        field_code: str,
        description: str,
        title: str,
        lat: float | None,
        lon: float | None,
        address: str | None,
        email: str | None,
        phone: str | None,
        first_name: str | None,
        last_name: str | None,
        media_url: str | None,
        idempotency_key: str,
        api_client: str,
        api_client_label: str | None,
        hamlet_id: str | None,
        request_id: str | None,
    ) -> Feedback: ...

    def public_view(self, feedback: Feedback) -> PublicFeedback:
        """The portal's public projection of an item (what everyone may see of it once published)."""

    def get_public(self, commune_id: str, feedback_id: str) -> Feedback: ...

    def search_public(
        self,
        commune_id: str,
        *,
        service_code: str | None,
        status: str | None,
        start: datetime | None,
        end: datetime | None,
        ids: list[str] | None,
        limit: int,
    ) -> Sequence[Feedback]: ...


@dataclass(frozen=True)
class ApiKey:
    """One Open311 client's key, as stored (only its sha256 is kept)."""

    key_id: str
    commune_id: str
    label: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ApiKeyStore(Protocol):
    def verify(self, raw_key: str) -> ApiKey | None: ...


class CommuneDirectory(Protocol):
    def get(self, commune_id: str) -> Commune | None: ...

    def all_ids(self) -> list[str]: ...


class RateLimiter(Protocol):
    def hit(self, key: str, limit: int, window_s: int, now: datetime) -> int | None: ...


def key_hash(raw_key: str) -> str:
    """The sha256 (hex) a key is stored and looked up by; keys are random, so no salt is needed."""
    return hashlib.sha256(raw_key.encode()).hexdigest()


# ---------------------------------------------------------------- the gateway


@dataclass(frozen=True)
class Open311Limits:
    posts_per_key_per_minute: int = 30
    bad_keys_per_client_per_minute: int = 20


class Open311Gateway:
    """The GeoReport v2 operations over our feedback service; every method raises :class:`Open311Error`."""

    def __init__(
        self,
        *,
        feedback: FeedbackPort,
        keys: ApiKeyStore,
        communes: CommuneDirectory,
        rates: RateLimiter,
        clock: Callable[[], datetime],
        limits: Open311Limits | None = None,
    ) -> None:
        self._feedback = feedback
        self._keys = keys
        self._communes = communes
        self._rates = rates
        self._clock = clock
        self._limits = limits or Open311Limits()

    # -- which commune

    def jurisdiction(self, jurisdiction_id: str | None) -> Commune:
        """The commune a GET is about: ``jurisdiction_id``, which may be left out only if there is one commune."""
        wanted = (jurisdiction_id or "").strip()
        if not wanted:
            ids = self._communes.all_ids()
            if len(ids) != 1:
                raise Open311Error(
                    400,
                    "Thiếu jurisdiction_id (mã xã, ví dụ giao-phong).",
                    "jurisdiction_id (the commune id, e.g. giao-phong) is required.",
                )
            wanted = ids[0]
        commune = self._communes.get(wanted) if re.fullmatch(r"[a-z0-9][a-z0-9-]{1,39}", wanted) else None
        if commune is None:
            raise Open311Error(
                400,
                f"Không có xã nào với jurisdiction_id '{wanted}'.",
                f"Unknown jurisdiction_id '{wanted}'.",
            )
        return commune

    # -- services

    def _fields(self, commune_id: str) -> list[FeedbackField]:
        return active_fields(self._feedback.fields(commune_id))

    def services(self, jurisdiction_id: str | None) -> list[dict[str, Any]]:
        commune = self.jurisdiction(jurisdiction_id)
        return [service_view(f) for f in self._fields(commune.id)]

    def service_definition(self, jurisdiction_id: str | None, service_code: str) -> dict[str, Any]:
        commune = self.jurisdiction(jurisdiction_id)
        return service_definition(find_field(self._fields(commune.id), service_code), commune)

    # -- requests

    def _view(
        self, item: Feedback, by_code: Mapping[str, FeedbackField], commune: Commune, extensions: bool
    ) -> dict[str, Any]:
        """A published item through the portal's public projection; any other item shows its status only."""
        if not is_published(item):
            return status_view(item, extensions=extensions)
        public = self._feedback.public_view(item)
        return request_view(public, by_code, commune, point=coarse_point(item), extensions=extensions)

    def requests(self, jurisdiction_id: str | None, query: Mapping[str, str]) -> list[dict[str, Any]]:
        """``GET requests``: the published items (public data); ``service_request_id`` follows given ids."""
        commune = self.jurisdiction(jurisdiction_id)
        q = parse_request_query(query, self._clock())
        fields = self._feedback.fields(commune.id)
        field_code = find_field(fields, q.service_code).code if q.service_code else None
        if q.ids is None and q.status == "open":
            return []  # a published item is closed
        try:
            found = self._feedback.search_public(
                commune.id,
                service_code=field_code,
                status="published" if q.ids is None else None,
                start=q.start,
                end=q.end,
                ids=q.ids,
                limit=MAX_RESULTS,
            )
        except SmartCommuneError as error:
            raise from_domain_error(error) from error
        by_code = {f.code: f for f in fields}
        return [
            self._view(item, by_code, commune, q.extensions)
            for item in found
            if item.commune_id == commune.id and matches(item, q, field_code) and (q.ids or is_published(item))
        ][:MAX_RESULTS]

    def request(self, jurisdiction_id: str | None, request_id: str, extensions: bool) -> list[dict[str, Any]]:
        commune = self.jurisdiction(jurisdiction_id)
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", request_id):
            raise Open311Error(404, "Không tìm thấy yêu cầu.", "No such service request.")
        try:
            item = self._feedback.get_public(commune.id, request_id)
        except NotFoundError as error:
            raise Open311Error(404, "Không tìm thấy yêu cầu.", "No such service request.") from error
        if item.commune_id != commune.id:  # pragma: no cover - the store reads by the commune's key
            raise Open311Error(404, "Không tìm thấy yêu cầu.", "No such service request.")
        by_code = {f.code: f for f in self._feedback.fields(commune.id)}
        return [self._view(item, by_code, commune, extensions)]

    # -- creating

    def authorise(self, raw_key: str | None, client: str) -> ApiKey:
        """The active key ``raw_key`` names, else a 403 (and too many bad keys from one client → 429)."""
        key = self._keys.verify(raw_key) if raw_key else None
        if key is not None and key.active:
            return key
        retry = self._rates.hit(
            f"open311-badkey#{key_hash(client)[:24]}", self._limits.bad_keys_per_client_per_minute, 60, self._clock()
        )
        if retry is not None:
            raise Open311Error(
                429,
                "Quá nhiều lần thử api_key sai, vui lòng thử lại sau.",
                "Too many invalid api_key attempts; try again later.",
                retry_after_s=retry,
            )
        raise Open311Error(
            403,
            "api_key không hợp lệ hoặc đã bị thu hồi — không thể tạo yêu cầu.",
            "Invalid api_key received -- can't proceed with create_request.",
        )

    def create(
        self,
        params: Mapping[str, Any],
        *,
        client: str,
        idempotency_header: str | None,
        request_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """``POST requests``: the key names the commune; answers the new request's id and notice.

        ``email``, ``phone`` and the names are the reporter's *stated* contact: kept on the item, unverified; they
        never reach a citizen account and are never texted.
        """
        raw_key = params.get("api_key")
        key = self.authorise(raw_key if isinstance(raw_key, str) else None, client)
        jurisdiction = params.get("jurisdiction_id")
        if isinstance(jurisdiction, str) and jurisdiction.strip() and jurisdiction.strip() != key.commune_id:
            raise Open311Error(
                403,
                "api_key này không dùng được cho jurisdiction_id đã gửi.",
                "This api_key is not valid for the jurisdiction_id given.",
            )
        form = validate_post(params)
        retry = self._rates.hit(f"open311-post#{key.key_id}", self._limits.posts_per_key_per_minute, 60, self._clock())
        if retry is not None:
            raise Open311Error(
                429,
                "Gửi quá nhiều yêu cầu, vui lòng thử lại sau.",
                "Too many requests with this api_key; try again later.",
                retry_after_s=retry,
            )
        commune = self._communes.get(key.commune_id)
        if commune is None:  # pragma: no cover - a key outlives its commune only by operator error
            raise Open311Error(403, "api_key không hợp lệ.", "Invalid api_key.")
        fields = self._fields(commune.id)
        f = find_field(fields, form.service_code)
        hamlet_id = form.attributes.get(HAMLET_ATTRIBUTE)
        hamlet = commune.hamlet(hamlet_id) if hamlet_id else None
        if hamlet_id and hamlet is None:
            raise Open311Error(
                400,
                f"attribute[hamlet]: không có xóm '{hamlet_id}'.",
                f"attribute[hamlet]: unknown hamlet '{hamlet_id}'.",
            )
        address = ", ".join(p for p in (form.address_string, hamlet.name if hamlet else None) if p) or None
        try:
            created = self._feedback.submit_from_open311(
                commune.id,
                field_code=f.code,
                description=form.description,
                title=derive_title(form.description, form.attributes.get(TITLE_ATTRIBUTE), f.name),
                lat=form.lat,
                lon=form.long,
                address=address,
                email=form.email,
                phone=form.phone,
                first_name=form.first_name,
                last_name=form.last_name,
                media_url=form.media_url,
                idempotency_key=idempotency_key_for(key.key_id, form, idempotency_header),
                api_client=key.key_id,
                api_client_label=key.label,
                hamlet_id=hamlet.id if hamlet else None,
                request_id=request_id,
            )
        except SmartCommuneError as error:
            raise from_domain_error(error) from error
        return [{"service_request_id": created.id, "service_notice": service_notice(f), "account_id": None}]

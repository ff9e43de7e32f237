"""One world for the access-matrix test module: the demo communes, one session per role, two citizens, the demo
speakers, fakes for the bulletin fan-out, and the builders of what scenarios act on.

Builders either cache (``once``: something reading or commenting does not use up) or make a fresh resource (a
lock, an approval, a workflow step can be taken once). Every setup step goes through the API as the role that
would take it, or through a domain service, and raises :class:`SetupError` if it is refused.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from smartcommune.broadcast.wiring import bulletin_fanout, speaker_directory
from smartcommune.composition import authenticate
from smartcommune.core.api.http import EDGE_SECRET_HEADER, VIEWER_ADDRESS_HEADER
from smartcommune.core.contracts import Role
from smartcommune.feedback.contracts.records import DEFAULT_FIELDS
from smartcommune_local.devices_demo import seed_devices
from tests.integration.broadcast.test_bulletins_api import FakeDirectory, FakeFanout
from tests.support.access.model import Answer, Call, SetupError
from tests.support.identities import citizen_token, ensure_demo_communes, staff_token

T = TypeVar("T")

COMMUNE = "giao-phong"
STAFF: tuple[Role, ...] = tuple(r for r in Role if r.is_staff)
CALLERS: tuple[Role | None, ...] = (None, *Role)
"""Anonymous first, then every role."""

FIELD_UNIT: dict[str, Role] = {f.code: Role(f.unit) for f in DEFAULT_FIELDS}
# The first default field each unit handles: police → security, environment → environment, infrastructure →
# roads, office → public_services, health → health, school → education.
UNIT_FIELD: dict[Role, str] = {}
for _field in DEFAULT_FIELDS:
    UNIT_FIELD.setdefault(Role(_field.unit), _field.code)

# Bulletin fields a department may write in (broadcast.logic.rules.DOMAIN_CATEGORIES); the others write any.
DOMAIN_CATEGORY: dict[Role, str] = {Role.POLICE: "Security", Role.HEALTH: "Health"}

FEEDBACK_STEPS: tuple[str, ...] = ("received", "assigned", "in_progress", "resolved", "approved", "published")


def home_field(role: Role | None) -> str:
    """A feedback field the role's unit handles (admin and culture have no unit: roads)."""
    return UNIT_FIELD.get(role, "roads") if role is not None else "roads"


def away_field(role: Role | None) -> str:
    """A feedback field another unit handles."""
    return "environment" if home_field(role) == "security" else "security"


def home_category(role: Role | None) -> str:
    return DOMAIN_CATEGORY.get(role, "Met") if role is not None else "Met"


def away_category(role: Role | None) -> str:
    return "Health" if role is Role.POLICE else "Security"


class World:
    """The people, the devices and the caches the scenarios share."""

    def __init__(self, api: Any, services: Any, settings: Any, clock: Any) -> None:
        self.api, self.services, self.settings, self.clock = api, services, settings, clock
        ensure_demo_communes(services)
        services.override(bulletin_fanout, FakeFanout())
        services.override(speaker_directory, FakeDirectory())
        seed_devices(services)
        self.tokens: dict[Role, str] = {role: staff_token(services, role) for role in STAFF}
        self.citizen, self.citizen_id = citizen_token(services)
        self.other_citizen, self.other_citizen_id = citizen_token(services)
        self.tokens[Role.CITIZEN] = self.citizen
        self.subjects: dict[Role, str] = {r: authenticate(services, t).subject_id for r, t in self.tokens.items()}
        self._cache: dict[Hashable, Any] = {}
        self._serial = itertools.count(1)

    # ------------------------------------------------------------ plumbing

    def token(self, role: Role | None) -> str | None:
        return None if role is None else self.tokens[role]

    def serial(self) -> int:
        return next(self._serial)

    def once(self, key: Hashable, build: Callable[[], T]) -> T:
        """``build()`` the first time ``key`` is asked for, the same value afterwards."""
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def viewer(self) -> dict[str, str]:
        """Headers CloudFront adds, naming a new viewer address: rate limits per client never add up here."""
        n = self.serial()
        address = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}:443"
        return {EDGE_SECRET_HEADER: self.settings.edge_secret, VIEWER_ADDRESS_HEADER: address}

    def send(self, call: Call, token: str | None) -> Answer:
        headers = dict(call.headers)
        body = call.body
        if isinstance(body, dict | list):
            body = json.dumps(body)
            headers.setdefault("Content-Type", "application/json")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = self.api.http.request(call.method, call.path, headers=headers, body=body)
        return Answer(response.status_code, dict(response.headers), response.body or b"")

    def ok(self, step: str, call: Call, role: Role | str | None) -> Any:
        """Send a setup request as ``role`` (or with a token) and return its JSON, or raise :class:`SetupError`."""
        token = self.token(role) if isinstance(role, Role) or role is None else role
        answer = self.send(call, token)
        if not 200 <= answer.status < 300:
            raise SetupError(f"{step}: {call.method} {call.path} answered {answer.status} ({answer.summary()})")
        return answer.json()

    def session(self, role: Role) -> str:
        """Another session of the role's own account (for a call that ends the session it is sent with)."""
        from smartcommune.identity.wiring import identity_service

        kind = "citizen" if role is Role.CITIZEN else "staff"
        return self.services.get(identity_service).start_session(COMMUNE, self.subjects[role], kind).token

    # ------------------------------------------------------------ feedback

    def submit(self, field: str = "roads", *, other: bool = False) -> dict[str, Any]:
        """A new feedback item sent by the citizen (``other``: by the other citizen)."""
        n = self.serial()
        body = {
            "field_code": field,
            "title": f"Phản ánh kiểm tra quyền số {n}",
            "description": "Nội dung phản ánh để kiểm tra ai được xem và xử lý phản ánh này.",
            "hamlet_id": "xom-1",
            "upload_ids": [],
            "anonymous_public": False,
        }
        call = Call("POST", "/feedback", body, headers={"Idempotency-Key": f"access-matrix-{n:06d}"})
        return dict(self.ok(f"submit {field} feedback", call, self.other_citizen if other else self.citizen))

    def act(self, item: dict[str, Any], action: str, role: Role, **extra: Any) -> dict[str, Any]:
        body = {"action": action, "expected_version": item["version"], **extra}
        call = Call("POST", f"/feedback/{item['id']}/actions", body)
        return dict(self.ok(f"{role.value} {action}s feedback", call, role))

    def feedback(self, field: str, status: str = "received", *, other: bool = False) -> dict[str, Any]:
        """A fresh item of ``field`` taken to ``status`` by the roles whose step it is."""
        unit = FIELD_UNIT[field]
        item = self.submit(field, other=other)
        steps: list[tuple[str, Role, dict[str, Any]]] = [
            ("assign", Role.OFFICE, {"unit": unit.value}),
            ("start", unit, {}),
            ("resolve", unit, {"result": "Đã xử lý xong theo phản ánh."}),
            ("approve", Role.ADMIN, {}),
            ("publish", Role.CULTURE, {}),
        ]
        for action, role, extra in steps[: FEEDBACK_STEPS.index(status)]:
            item = self.act(item, action, role, **extra)
        return item

    def kept_feedback(self, field: str, status: str = "received", *, other: bool = False) -> dict[str, Any]:
        """The same item every time (for calls that do not use it up)."""
        return self.once(("feedback", field, status, other), lambda: self.feedback(field, status, other=other))

    def comment(self, field: str) -> tuple[str, str]:
        """``(feedback_id, comment_id)`` of a citizen's comment on a kept item of ``field``."""

        def build() -> tuple[str, str]:
            item = self.kept_feedback(field)
            call = Call("POST", f"/feedback/{item['id']}/comments", {"body": "Xin cho biết tiến độ xử lý."})
            return item["id"], self.ok("the citizen comments", call, Role.CITIZEN)["id"]

        return self.once(("comment", field), build)

    # ------------------------------------------------------------ bulletins

    def draft(self, category: str, by: Role = Role.CULTURE) -> dict[str, Any]:
        """A new bulletin draft of ``category`` (the culture officer drafts any field)."""
        body = {
            "headline": f"Thông báo kiểm tra số {self.serial()}",
            "text": "Nội dung thông báo của xã.",
            "category": category,
        }
        return dict(self.ok(f"draft a {category} bulletin", Call("POST", "/bulletins", body), by))

    def kept_draft(self, category: str) -> dict[str, Any]:
        return self.once(("draft", category), lambda: self.draft(category))

    def version(self, bulletin_id: str) -> int:
        """The bulletin's version now (kept drafts change with every edit)."""
        return int(self.ok("read the bulletin", Call("GET", f"/bulletins/{bulletin_id}"), Role.ADMIN)["version"])

    def published_bulletin(self) -> dict[str, Any]:
        """An approved public alert (for the portal feed and CAP)."""

        def build() -> dict[str, Any]:
            draft = self.draft("Met")
            call = Call("POST", f"/bulletins/{draft['id']}/approve", {"version": draft["version"]})
            return dict(self.ok("approve the bulletin", call, Role.ADMIN))

        return self.once("published bulletin", build)

    def mp3(self) -> bytes:
        from smartcommune.broadcast.storage.speech import Speech

        return self.once("mp3", lambda: Speech.of(self.settings).mp3("Thông báo ghi âm của xã."))

    def uploaded_audio(self, bulletin_id: str) -> str:
        """The key of a recording uploaded for the bulletin with a ticket the culture officer asked for."""
        from smartcommune.core.aws import client

        body = {"version": self.version(bulletin_id), "size_bytes": len(self.mp3())}
        ticket = self.ok(
            "ask for an audio upload", Call("POST", f"/bulletins/{bulletin_id}/audio-upload", body), Role.CULTURE
        )
        key = str(ticket["key"])
        client("s3", self.settings).put_object(
            Bucket=self.settings.media_bucket, Key=key, Body=self.mp3(), ContentType="audio/mpeg"
        )
        return key

    # ------------------------------------------------------------ open311

    def open311_key(self, name: str) -> str:
        from smartcommune.feedback.wiring import open311_key_repository

        repository = self.services.get(open311_key_repository)
        return self.once(("open311", name), lambda: repository.create(COMMUNE, name, "test")[0])

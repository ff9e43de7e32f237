"""What staff do with cameras: zones and rules, commands, events (acknowledge, to feedback, draft a bulletin),
snapshots (blurred outside the police; an unblurred view is audited), the police view, the dashboard's summary.

Long because: the cameras' staff-facing service is one set of rules about who sees what (police vs. others) and
what is audited, kept together so it is reviewed together.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from smartcommune.audit.contracts import AuditRecord
from smartcommune.cameras.contracts import (
    RULE_LABELS_VI,
    CameraCommand,
    CameraConfigUpdate,
    CameraEvent,
    CameraList,
    CameraState,
    CameraSummary,
    CommandRecord,
    CommandRequest,
    EventOutcome,
    EventPage,
    EventsQuery,
    PoliceView,
    SecurityReport,
    SnapshotLink,
    StoredCameraConfig,
)
from smartcommune.core.contracts import VN_TZ, Role
from smartcommune.core.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from smartcommune.core.warnings import OperationalWarning, WarningCategory, WarningSeverity

if TYPE_CHECKING:
    from smartcommune.core.principal import Principal

LINK_S = 300
SECURITY_FIELD = "security"
SEVERE = ("severe", "extreme")


class Registry(Protocol):
    def states(self, commune_id: str, now: datetime) -> list[CameraState]: ...

    def state(self, commune_id: str, thing: str, now: datetime) -> CameraState: ...

    def config(self, commune_id: str, thing: str) -> StoredCameraConfig: ...

    def save_config(
        self,
        journal: Any,
        commune_id: str,
        thing: str,
        config: Any,
        *,
        version: int,
        by: str,
        at: datetime,
        audit: AuditRecord,
    ) -> StoredCameraConfig: ...

    def add_command(self, commune_id: str, record: CommandRecord) -> None: ...

    def command(self, commune_id: str, thing: str, command_id: str) -> CommandRecord | None: ...


class Events(Protocol):
    def get(self, commune_id: str, event_id: str) -> CameraEvent: ...

    def page(self, commune_id: str, thing: str | None, cursor: str | None, limit: int) -> EventPage: ...

    def since(self, commune_id: str, since: datetime, limit: int) -> list[CameraEvent]: ...

    def day_counts(self, commune_id: str, at: datetime) -> tuple[dict[str, int], datetime | None]: ...

    def latest(self, commune_id: str, now: datetime, days: int = 30) -> datetime | None: ...

    def update(self, journal: Any, before: CameraEvent, after: CameraEvent, audit: AuditRecord) -> CameraEvent: ...


class Snapshots(Protocol):
    def link(self, key: str, expires_s: int) -> str: ...


class Commands(Protocol):
    def send(self, commune_id: str, command: CameraCommand) -> None: ...


class Journal(Protocol):
    def commit(self, commune_id: str, record: AuditRecord, add_writes: Callable[[Any], None] | None = None) -> Any: ...


class FeedbackDesk(Protocol):
    """The feedback capability's service (``feedback.wiring.feedback_service``)."""

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
    ) -> Any: ...

    def inbox(self, caller: Principal, query: Any) -> Any: ...


class BulletinDesk(Protocol):
    def draft(self, caller: Principal, new: Any, request_id: str | None = None) -> Any: ...


def _is_police(caller: Principal) -> bool:
    return Role.POLICE in caller.roles


def _severity(value: str) -> WarningSeverity:
    return WarningSeverity(value)


class CameraService:
    def __init__(
        self,
        *,
        registry: Registry,
        events: Events,
        journal: Journal,
        commands: Commands,
        snapshots: Snapshots,
        snapshot_key: Callable[[str, str, str, str], str],
        feedback: Callable[[], FeedbackDesk],
        bulletins: Callable[[], BulletinDesk],
        feedback_query: Callable[[], Any],
        new_bulletin: Callable[..., Any],
        hamlets: Callable[[str], set[str]],
        clock: Callable[[], datetime],
    ) -> None:
        self._registry = registry
        self._events = events
        self._journal = journal
        self._commands = commands
        self._snapshots = snapshots
        self._snapshot_key = snapshot_key
        self._feedback = feedback
        self._bulletins = bulletins
        self._feedback_query = feedback_query
        self._new_bulletin = new_bulletin
        self._hamlets = hamlets
        self._clock = clock

    # -- cameras

    def cameras(self, commune_id: str) -> CameraList:
        items = self._registry.states(commune_id, self._clock())
        return CameraList(items=items, online=sum(1 for c in items if c.online), total=len(items))

    def camera(self, commune_id: str, thing: str) -> CameraState:
        return self._registry.state(commune_id, thing, self._clock())

    def config(self, commune_id: str, thing: str) -> StoredCameraConfig:
        self.camera(commune_id, thing)
        return self._registry.config(commune_id, thing)

    def set_config(
        self, caller: Principal, thing: str, update: CameraConfigUpdate, request_id: str | None = None
    ) -> StoredCameraConfig:
        """Replace a camera's zones and rules (audited, before and after); the camera gets its motion zones."""
        self.camera(caller.commune_id, thing)
        before = self._registry.config(caller.commune_id, thing)
        if before.version != update.version:
            raise ConflictError(
                "Cấu hình camera vừa được người khác thay đổi; tải lại và thử lại.",
                "The configuration changed; reload.",
            )
        body = update.model_dump(exclude={"version"})
        audit = AuditRecord(
            actor_id=caller.subject_id,
            actor_role=caller.primary_role,
            action="camera.configure",
            target=f"camera/{thing}",
            before=before.model_dump(mode="json", include={"zones", "rules"}),
            after=update.model_dump(mode="json", include={"zones", "rules"}),
            request_id=request_id,
        )
        from smartcommune.cameras.contracts import CameraConfig

        stored = self._registry.save_config(
            self._journal,
            caller.commune_id,
            thing,
            CameraConfig.model_validate(body),
            version=update.version,
            by=caller.subject_id,
            at=self._clock(),
            audit=audit,
        )
        self.command(caller, thing, CommandRequest(kind="zones", zones=stored.zones))
        return stored

    def command(self, caller: Principal, thing: str, request: CommandRequest) -> CommandRecord:
        """Send a command; the camera acts on it once (by id) and acks on its topic."""
        self.camera(caller.commune_id, thing)
        now = self._clock()
        command = CameraCommand(
            command_id=str(uuid.uuid4()),
            thing=thing,
            issued_at=now,
            **request.model_dump(exclude_none=True),
        )
        record = CommandRecord(
            command_id=command.command_id, thing=thing, kind=command.kind, issued_at=now, issued_by=caller.subject_id
        )
        self._registry.add_command(caller.commune_id, record)
        self._commands.send(caller.commune_id, command)
        return record

    def command_state(self, commune_id: str, thing: str, command_id: str) -> CommandRecord:
        record = self._registry.command(commune_id, thing, command_id)
        if record is None:
            raise NotFoundError("Không tìm thấy lệnh.", "Command not found.")
        return record

    # -- events

    def events(self, commune_id: str, query: EventsQuery) -> EventPage:
        return self._events.page(commune_id, query.thing, query.cursor, query.limit)

    def event(self, commune_id: str, event_id: str) -> CameraEvent:
        return self._events.get(commune_id, event_id)

    def acknowledge(self, caller: Principal, event_id: str, note: str, request_id: str | None = None) -> CameraEvent:
        before = self._events.get(caller.commune_id, event_id)
        if before.acknowledged_at is not None:
            raise ConflictError("Sự kiện đã được xác nhận.", "The event was already acknowledged.")
        after = before.model_copy(
            update={
                "acknowledged_by": caller.subject_id,
                "acknowledged_by_name": caller.display_name,
                "acknowledged_at": self._clock(),
                "note": note,
            }
        )
        audit = AuditRecord(
            actor_id=caller.subject_id,
            actor_role=caller.primary_role,
            action="camera_event.acknowledge",
            target=f"camera_event/{event_id}",
            before={"acknowledged": False},
            after={"acknowledged": True, "note": note},
            request_id=request_id,
        )
        return self._events.update(self._journal, before, after, audit)

    def to_feedback(self, caller: Principal, event_id: str, request_id: str | None = None) -> EventOutcome:
        """One click: the event becomes a feedback item in the security field (once; a second click answers it)."""
        event = self._events.get(caller.commune_id, event_id)
        if event.feedback_id is not None:
            return EventOutcome(event=event, feedback_id=event.feedback_id)
        at = event.at.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y")
        title = f"Camera {event.camera_name or event.thing}: {event.rule_name or RULE_LABELS_VI[event.rule_kind]}"
        feedback = self._feedback().submit_from_open311(
            caller.commune_id,
            field_code=SECURITY_FIELD,
            description=f"{title} lúc {at}. {event.detail}".strip(),
            title=title[:120],
            lat=None,
            lon=None,
            address=None,
            email=None,
            phone=None,
            first_name=None,
            last_name=None,
            media_url=None,
            idempotency_key=f"camera-event-{event.event_id}",
            api_client=f"camera-{event.thing}",
            api_client_label="Camera an ninh",
            # the camera's hamlet when the commune still has it (hamlets merge; a camera's record may lag)
            hamlet_id=event.hamlet_id if event.hamlet_id in self._hamlets(caller.commune_id) else None,
            request_id=request_id,
        )
        after = event.model_copy(update={"feedback_id": str(feedback.id)})
        audit = AuditRecord(
            actor_id=caller.subject_id,
            actor_role=caller.primary_role,
            action="camera_event.to_feedback",
            target=f"camera_event/{event_id}",
            after={"feedback_id": str(feedback.id)},
            request_id=request_id,
        )
        self._events.update(self._journal, event, after, audit)
        return EventOutcome(event=after, feedback_id=str(feedback.id), tracking_code=str(feedback.tracking_code))

    def draft_bulletin(
        self,
        caller: Principal,
        event_id: str,
        headline: str | None,
        text: str | None,
        request_id: str | None = None,
    ) -> EventOutcome:
        """A severe event drafts an alert bulletin (security field); it is only a draft: approval plays it."""
        event = self._events.get(caller.commune_id, event_id)
        if event.severity not in SEVERE:
            raise InvalidInputError(
                "Chỉ sự kiện nghiêm trọng mới được soạn bản tin cảnh báo.", "Only a severe event drafts a bulletin."
            )
        if event.bulletin_id is not None:
            return EventOutcome(event=event, bulletin_id=event.bulletin_id)
        at = event.at.astimezone(VN_TZ).strftime("%H:%M ngày %d/%m/%Y")
        new = self._new_bulletin(
            headline=headline or f"Cảnh báo an ninh: {event.camera_name or event.thing}",
            text=text
            or f"Lúc {at}, camera {event.camera_name or event.thing} ghi nhận: {event.detail}. "
            "Đề nghị bà con chú ý, báo ngay cho công an xã khi thấy dấu hiệu bất thường.",
            category="Security",
            event="Cảnh báo an ninh",
        )
        bulletin = self._bulletins().draft(caller, new, request_id)
        after = event.model_copy(update={"bulletin_id": str(bulletin.id)})
        audit = AuditRecord(
            actor_id=caller.subject_id,
            actor_role=caller.primary_role,
            action="camera_event.draft_bulletin",
            target=f"camera_event/{event_id}",
            after={"bulletin_id": str(bulletin.id)},
            request_id=request_id,
        )
        self._events.update(self._journal, event, after, audit)
        return EventOutcome(event=after, bulletin_id=str(bulletin.id))

    # -- images

    def snapshot(self, caller: Principal, event_id: str, raw: bool, request_id: str | None = None) -> SnapshotLink:
        """A short link to the event's crop: faces blurred, unless the police ask for the raw one (audited)."""
        event = self._events.get(caller.commune_id, event_id)
        if not event.snapshot:
            raise NotFoundError("Sự kiện không có ảnh.", "The event has no snapshot.")
        if raw and not _is_police(caller):
            raise ForbiddenError(
                "Chỉ công an xã được xem ảnh chưa làm mờ.", "Only the police may see the unblurred image."
            )
        if raw:
            self._journal.commit(
                caller.commune_id,
                AuditRecord(
                    actor_id=caller.subject_id,
                    actor_role=caller.primary_role,
                    action="camera_event.view_unblurred",
                    target=f"camera_event/{event_id}",
                    after={"thing": event.thing},
                    request_id=request_id,
                ),
            )
        key = self._snapshot_key(event.commune_id, event.thing, event.event_id, "raw" if raw else "blurred")
        return SnapshotLink(url=self._snapshots.link(key, LINK_S), blurred=not raw, expires_in_s=LINK_S)

    # -- the police view, the dashboard

    def police_view(self, caller: Principal, limit: int = 30) -> PoliceView:
        events = self._events.page(caller.commune_id, None, None, limit).items
        inbox = self._feedback().inbox(caller, self._feedback_query())
        reports = [
            SecurityReport(
                feedback_id=i.id,
                tracking_code=i.tracking_code,
                title=i.title,
                status=str(i.status),
                hamlet_id=i.hamlet_id,
                created_at=i.created_at,
            )
            for i in inbox.items
        ]
        cams = self.cameras(caller.commune_id)
        return PoliceView(events=events, reports=reports, cameras_online=cams.online, cameras_total=cams.total)

    def summary(self, commune_id: str) -> CameraSummary:
        now = self._clock()
        cams = self._registry.states(commune_id, now)
        counts, last_today = self._events.day_counts(commune_id, now)
        last = last_today or self._events.latest(commune_id, now)
        return CameraSummary(
            commune_id=commune_id,
            total=len(cams),
            online=sum(1 for c in cams if c.online),
            events_today_by_rule=counts,
            last_event_at=last,
        )

    def recent_warnings(self, commune_id: str, since: datetime, limit: int = 50) -> list[OperationalWarning]:
        """Camera events since ``since`` (an index read) and cameras offline or covered now (one registry query)."""
        out = [self._warning(e) for e in self._events.since(commune_id, since, limit)]
        now = self._clock()
        for cam in self._registry.states(commune_id, now):
            if cam.online and not cam.covered:
                continue
            seen = cam.last_seen_at or now - timedelta(days=1)
            if not cam.covered and seen < since:
                continue
            what = "bị che ống kính" if cam.online else "mất kết nối"
            out.append(
                OperationalWarning(
                    warning_id=f"camera-health-{cam.thing}",
                    commune_id=commune_id,
                    source="cameras",
                    category=WarningCategory.DEVICE,
                    severity=WarningSeverity.MODERATE,
                    title_vi=f"Camera {cam.name} {what}",
                    title_en=f"Camera {cam.name} {'covered' if cam.online else 'offline'}",
                    raised_at=seen if not cam.online else now,
                    hamlet_id=cam.hamlet_id,
                    lat=cam.location.lat,
                    lon=cam.location.lon,
                    link=f"/admin/#/cameras/{cam.thing}",
                )
            )
        out.sort(key=lambda w: w.raised_at, reverse=True)
        return out[:limit]

    def _warning(self, e: CameraEvent) -> OperationalWarning:
        local = e.at.astimezone(VN_TZ).strftime("%H:%M")
        return OperationalWarning(
            warning_id=e.event_id,
            commune_id=e.commune_id,
            source="cameras",
            category=WarningCategory.DEVICE if e.rule_kind == "camera_health" else WarningCategory.SECURITY,
            severity=_severity(e.severity),
            title_vi=f"{e.rule_name or RULE_LABELS_VI[e.rule_kind]} - {e.camera_name or e.thing} lúc {local}",
            title_en=f"{e.rule_kind} at {e.thing}",
            detail_vi=e.detail,
            raised_at=e.at,
            hamlet_id=e.hamlet_id or None,
            link=f"/admin/#/cameras/events/{e.event_id}",
            acknowledged_by=e.acknowledged_by_name,
            acknowledged_at=e.acknowledged_at,
            acknowledgement_note=e.note,
        )

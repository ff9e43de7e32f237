"""The camera registry: records, live health, zones and rules (versioned), the scene state and commands."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import PutError, UpdateError

from smartcommune.cameras.contracts import (
    Camera,
    CameraAck,
    CameraConfig,
    CameraHealth,
    CameraState,
    CommandRecord,
    StoredCameraConfig,
)
from smartcommune.cameras.storage.items import (
    CameraCommandItem,
    CameraConfigItem,
    CameraItem,
    SceneStateItem,
    camera_pk,
    cameras_pk,
)
from smartcommune.core.contracts import VN_TZ
from smartcommune.core.errors import ConflictError, NotFoundError

if TYPE_CHECKING:
    from smartcommune.audit.contracts import AuditRecord
    from smartcommune.audit.logic import AuditJournal

COMMAND_KEEP_S = 24 * 3600
_STALE = ("Cấu hình camera vừa được người khác thay đổi; tải lại và thử lại.", "The configuration changed; reload.")


def _not_found() -> NotFoundError:
    return NotFoundError("Không tìm thấy camera.", "Camera not found.")


class CameraRegistry:
    """Cameras of a commune and their live state (one partition per commune: a query, never a scan)."""

    def __init__(self, offline_after_s: int = 120) -> None:
        self.offline_after_s = offline_after_s

    # -- records

    def put_cameras(self, cameras: Iterable[Camera]) -> None:
        """Create or replace registry records (seeding: keeps nothing of the live state)."""
        with CameraItem.batch_write() as batch:
            for c in cameras:
                batch.save(CameraItem(cameras_pk(c.commune_id), f"T#{c.thing}", data=c.model_dump_json()))

    def _items(self, commune_id: str) -> list[CameraItem]:
        return list(CameraItem.query(cameras_pk(commune_id), CameraItem.sk.startswith("T#")))

    def camera(self, commune_id: str, thing: str) -> Camera | None:
        try:
            item = CameraItem.get(cameras_pk(commune_id), f"T#{thing}")
        except CameraItem.DoesNotExist:
            return None
        return Camera.model_validate_json(item.data)

    def states(self, commune_id: str, now: datetime) -> list[CameraState]:
        return [self._state(i, now) for i in self._items(commune_id)]

    def state(self, commune_id: str, thing: str, now: datetime) -> CameraState:
        try:
            return self._state(CameraItem.get(cameras_pk(commune_id), f"T#{thing}"), now)
        except CameraItem.DoesNotExist as exc:
            raise _not_found() from exc

    def _state(self, item: CameraItem, now: datetime) -> CameraState:
        camera = Camera.model_validate_json(item.data)
        online = item.last_seen_at is not None and (now - item.last_seen_at).total_seconds() <= self.offline_after_s
        today = now.astimezone(VN_TZ).date().isoformat()
        return CameraState(
            **camera.model_dump(),
            online=online,
            last_seen_at=item.last_seen_at,
            last_frame_at=item.last_frame_at,
            measured_fps=float(item.measured_fps) if item.measured_fps is not None else None,
            covered=bool(item.covered),
            uploads_today=int(item.uploads or 0) if item.uploads_day == today else 0,
        )

    def record_health(self, commune_id: str, health: CameraHealth, received_at: datetime) -> None:
        """Live state from a health report (NotFoundError for a thing not registered in that commune)."""
        item = CameraItem(cameras_pk(commune_id), f"T#{health.thing}")
        actions: list[Any] = [
            CameraItem.last_seen_at.set(received_at),
            CameraItem.measured_fps.set(round(health.fps, 2)),
            CameraItem.covered.set(1 if health.covered else 0),
        ]
        if health.last_frame_at is not None:
            actions.append(CameraItem.last_frame_at.set(health.last_frame_at))
        try:
            item.update(actions=actions, condition=CameraItem.pk.exists())
        except UpdateError as exc:
            raise _not_found() from exc

    def count_upload(self, commune_id: str, thing: str, at: datetime) -> None:
        """One burst uploaded today (``uploads_today``; the counter restarts each local day)."""
        day = at.astimezone(VN_TZ).date().isoformat()
        item = CameraItem(cameras_pk(commune_id), f"T#{thing}")
        try:
            item.update(
                actions=[CameraItem.uploads.add(1)],
                condition=CameraItem.pk.exists() & (CameraItem.uploads_day == day),
            )
        except UpdateError:
            try:
                item.update(
                    actions=[CameraItem.uploads.set(1), CameraItem.uploads_day.set(day)],
                    condition=CameraItem.pk.exists(),
                )
            except UpdateError as exc:
                raise _not_found() from exc

    # -- zones and rules

    def config(self, commune_id: str, thing: str) -> StoredCameraConfig:
        try:
            item = CameraConfigItem.get(cameras_pk(commune_id), f"CFG#{thing}")
        except CameraConfigItem.DoesNotExist:
            return StoredCameraConfig()
        stored = StoredCameraConfig.model_validate_json(item.data)
        return stored.model_copy(update={"version": int(item.version or 0)})

    def save_config(
        self,
        journal: AuditJournal,
        commune_id: str,
        thing: str,
        config: CameraConfig,
        *,
        version: int,
        by: str,
        at: datetime,
        audit: AuditRecord,
    ) -> StoredCameraConfig:
        """Replace the zones and rules if nobody changed them since ``version``; audited in the same transaction."""
        stored = StoredCameraConfig(**config.model_dump(), version=version + 1, updated_at=at, updated_by=by)
        item = CameraConfigItem(cameras_pk(commune_id), f"CFG#{thing}", data=stored.model_dump_json())
        if version:
            item.version = version

        def writes(tx: Any) -> None:
            tx.save(item)

        try:
            journal.commit(commune_id, audit, add_writes=writes)
        except ConflictError as exc:
            raise ConflictError(*_STALE) from exc
        return stored

    # -- scene state (tracker + rules)

    def load_scene(self, commune_id: str, thing: str) -> tuple[dict[str, Any] | None, int | None, datetime | None]:
        try:
            item = SceneStateItem.get(camera_pk(commune_id, thing), "SCENE", consistent_read=True)
        except SceneStateItem.DoesNotExist:
            return None, None, None
        return json.loads(item.data), int(item.version), item.last_at

    def save_scene(
        self, commune_id: str, thing: str, state: dict[str, Any], version: int | None, last_at: datetime
    ) -> None:
        item = SceneStateItem(camera_pk(commune_id, thing), "SCENE", data=json.dumps(state), last_at=last_at)
        if version is not None:
            item.version = version
        try:
            item.save()
        except PutError as exc:
            raise ConflictError(
                "Trạng thái camera vừa được cập nhật bởi lượt phân tích khác.", "Scene saved by another analysis."
            ) from exc

    # -- commands

    def add_command(self, commune_id: str, record: CommandRecord) -> None:
        CameraCommandItem(
            camera_pk(commune_id, record.thing),
            f"CMD#{record.command_id}",
            data=record.model_dump_json(),
            state=record.state,
            expires_at=int((record.issued_at + timedelta(seconds=COMMAND_KEEP_S)).timestamp()),
        ).save(condition=CameraCommandItem.pk.does_not_exist())

    def command(self, commune_id: str, thing: str, command_id: str) -> CommandRecord | None:
        try:
            item = CameraCommandItem.get(camera_pk(commune_id, thing), f"CMD#{command_id}")
        except CameraCommandItem.DoesNotExist:
            return None
        return CommandRecord.model_validate_json(item.data)

    def apply_ack(self, commune_id: str, ack: CameraAck) -> CommandRecord | None:
        """The camera's answer on its command record; a ``duplicate`` never overwrites the first outcome."""
        record = self.command(commune_id, ack.thing, ack.command_id)
        if record is None:
            return None
        if ack.state == "duplicate" and record.state != "sent":
            return record
        updated = record.model_copy(update={"state": ack.state, "acked_at": ack.at, "detail": ack.detail})
        CameraCommandItem(
            camera_pk(commune_id, ack.thing),
            f"CMD#{ack.command_id}",
            data=updated.model_dump_json(),
            state=updated.state,
            expires_at=int((record.issued_at + timedelta(seconds=COMMAND_KEEP_S)).timestamp()),
        ).save()
        return updated

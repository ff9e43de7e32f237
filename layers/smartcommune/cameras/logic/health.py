"""Camera-health rules on a health report: a covered lens (or a dead stream) is an event like any other."""

from __future__ import annotations

from smartcommune.cameras.contracts import Camera, CameraEvent, CameraHealth, StoredCameraConfig
from smartcommune.cameras.logic.analysis import event_id_for


def health_event(camera: Camera, config: StoredCameraConfig, health: CameraHealth) -> tuple[CameraEvent, int] | None:
    """The event (and its cooldown: at least a minute, reports come every 30 s) of the first enabled
    ``camera_health`` rule this report matches."""
    problems = [p for p, bad in (("covered", health.covered), ("offline", not health.stream_ok)) if bad]
    if not problems:
        return None
    for rule in config.rules:
        if not rule.enabled or rule.kind != "camera_health":
            continue
        if rule.condition not in problems:
            continue
        detail = (
            "Ống kính bị che / lens covered"
            if rule.condition == "covered"
            else "Camera không đọc được luồng hình / the stream does not read"
        )
        return (
            CameraEvent(
                event_id=event_id_for(camera.thing, rule.rule_id, f"health:{health.at.isoformat()}"),
                commune_id=camera.commune_id,
                thing=camera.thing,
                camera_name=camera.name,
                hamlet_id=camera.hamlet_id,
                rule_id=rule.rule_id,
                rule_name=rule.name,
                rule_kind="camera_health",
                severity=rule.severity,
                at=health.at,
                detail=detail,
            ),
            max(rule.cooldown_s, 60),
        )
    return None

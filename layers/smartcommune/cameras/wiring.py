"""Factories of the cameras capability (``services.get(camera_service)``); imports are lazy (cold starts).

Public: :func:`camera_warnings` (a ``core.warnings.WarningSource`` for the operations dashboard) and
:func:`camera_summary` (``.summary(commune_id) -> CameraSummary``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smartcommune.core.wiring import bound_table

if TYPE_CHECKING:
    from smartcommune.cameras.logic.analysis import BurstAnalyser
    from smartcommune.cameras.logic.ports import Detector, SceneFactory
    from smartcommune.cameras.logic.service import CameraService
    from smartcommune.cameras.storage.bucket import CameraBucket
    from smartcommune.cameras.storage.commands import CameraCommands
    from smartcommune.cameras.storage.events import EventRepository
    from smartcommune.cameras.storage.registry import CameraRegistry
    from smartcommune.core.services import Services
    from smartcommune.core.warnings import WarningSource


def camera_registry(services: Services) -> CameraRegistry:
    from smartcommune.cameras.storage.registry import CameraRegistry

    services.get(bound_table)
    return CameraRegistry(services.settings.camera_offline_after_s)


def camera_events(services: Services) -> EventRepository:
    from smartcommune.cameras.storage.events import EventRepository

    services.get(bound_table)
    return EventRepository()


def camera_bucket(services: Services) -> CameraBucket:
    from smartcommune.cameras.storage.bucket import CameraBucket
    from smartcommune.core.aws import client

    return CameraBucket(client("s3", services.settings), services.settings.camera_bucket)


def camera_commands(services: Services) -> CameraCommands:
    """Commands and grants through the devices fabric's publisher; health to the thing shadow."""
    from smartcommune.cameras.storage.commands import CameraCommands
    from smartcommune.core.aws import client
    from smartcommune.devices.wiring import command_publisher

    return CameraCommands(services.get(command_publisher), client("iot-data", services.settings))


def camera_detector(services: Services) -> Detector:
    """The vision engine's detector (CPU models locally and in Lambda; Rekognition optional)."""
    from smartcommune.vision.wiring import detector

    return detector(services)


def scene_factory(services: Services) -> SceneFactory:
    """Tracker + rule engine of the vision engine, built from a camera's zones and rules."""
    from smartcommune.cameras.logic.scene import VisionScenes

    return VisionScenes()


def burst_analyser(services: Services) -> BurstAnalyser:
    from smartcommune.cameras.logic.analysis import BurstAnalyser
    from smartcommune.cameras.storage.images import Cropper

    registry = services.get(camera_registry)
    return BurstAnalyser(
        frames=services.get(camera_bucket),
        detector=services.get(camera_detector),
        scenes=services.get(scene_factory),
        states=_SceneStates(registry),
        events=services.get(camera_events),
        directory=registry,
        cropper=Cropper(),
        clock=services.clock,
    )


class _SceneStates:
    """The registry's scene-state methods under the port's names."""

    def __init__(self, registry: CameraRegistry) -> None:
        self.load = registry.load_scene
        self.save = registry.save_scene


def camera_service(services: Services) -> CameraService:
    from smartcommune.audit.wiring import audit_repository
    from smartcommune.broadcast.contracts import NewBulletin
    from smartcommune.broadcast.wiring import bulletin_service
    from smartcommune.cameras.logic.service import CameraService
    from smartcommune.cameras.storage.bucket import snapshot_key
    from smartcommune.feedback.contracts.requests import InboxQuery
    from smartcommune.feedback.wiring import feedback_service

    return CameraService(
        registry=services.get(camera_registry),
        events=services.get(camera_events),
        journal=services.get(audit_repository),
        commands=services.get(camera_commands),
        snapshots=services.get(camera_bucket),
        snapshot_key=snapshot_key,
        feedback=lambda: services.get(feedback_service),
        bulletins=lambda: services.get(bulletin_service),
        feedback_query=lambda: InboxQuery(field="security", limit=30),
        new_bulletin=NewBulletin,
        hamlets=lambda commune_id: _hamlets(services, commune_id),
        clock=services.clock,
    )


def _hamlets(services: Services, commune_id: str) -> set[str]:
    from smartcommune.communes.wiring import commune_repository

    commune = services.get(commune_repository).get(commune_id)
    return {h.id for h in commune.hamlets} if commune is not None else set()


def camera_warnings(services: Services) -> WarningSource:
    """Camera events and cameras offline or covered, as the operations dashboard's warnings."""
    return services.get(camera_service)


def camera_summary(services: Services) -> CameraService:
    """``.summary(commune_id) -> CameraSummary``: cameras online, today's events by rule kind, the last event."""
    return services.get(camera_service)

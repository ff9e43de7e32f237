"""Demo loudspeaker registry: Giao Phong's 20 clusters × 2 speakers over its 5 hamlets (4 clusters each).

``seed_devices(services)`` is idempotent: it (re)writes the registry records and creates, once, the IoT things,
their certificates and the speaker policy in the IoT control plane (moto locally), as AWS would hold them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from smartcommune.devices.contracts import GeoPoint, Speaker, thing_name

if TYPE_CHECKING:
    from smartcommune.core.services import Services

COMMUNE_PREFIX = {"giao-phong": "gp"}
HAMLETS: dict[str, tuple[str, ...]] = {
    "giao-phong": ("dong-thanh", "tay-son", "nam-phong", "bac-hai", "trung-phong"),
}
HAMLET_NAMES = {
    "dong-thanh": "Đông Thành",
    "tay-son": "Tây Sơn",
    "nam-phong": "Nam Phong",
    "bac-hai": "Bắc Hải",
    "trung-phong": "Trung Phong",
}
CLUSTERS_PER_COMMUNE = 20
SPEAKER_POLICY_NAME = "smartcommune-speaker"
SPEAKER_THING_TYPE = "smartcommune-speaker"  # template.yaml's SpeakerThingType
# Giao Phong, Giao Thủy, Nam Định (approximate centre).
_CENTRE = (20.2560, 106.4940)


def demo_clusters(commune_id: str) -> list[dict[str, Any]]:
    """[{cluster_id, hamlet_id, name, location, things}] — empty for a commune without demo speakers."""
    prefix = COMMUNE_PREFIX.get(commune_id)
    if prefix is None:
        return []
    hamlets = HAMLETS[commune_id]
    out = []
    for n in range(1, CLUSTERS_PER_COMMUNE + 1):
        hamlet = hamlets[(n - 1) // (CLUSTERS_PER_COMMUNE // len(hamlets))]
        lat = _CENTRE[0] + ((n - 1) % 5 - 2) * 0.004 + ((n - 1) // 5 - 2) * 0.001
        lon = _CENTRE[1] + ((n - 1) // 5 - 2) * 0.005
        out.append(
            {
                "cluster_id": f"{prefix}-cl-{n:02d}",
                "hamlet_id": hamlet,
                "name": f"Cụm loa số {n:02d} - xóm {HAMLET_NAMES[hamlet]}",
                "location": GeoPoint(lat=round(lat, 5), lon=round(lon, 5)),
                "things": [thing_name(prefix, n, unit) for unit in ("a", "b")],
            }
        )
    return out


def demo_speakers(commune_id: str) -> list[Speaker]:
    speakers = []
    for cluster in demo_clusters(commune_id):
        for i, thing in enumerate(cluster["things"]):
            speakers.append(
                Speaker(
                    thing=thing,
                    commune_id=commune_id,
                    cluster_id=cluster["cluster_id"],
                    hamlet_id=cluster["hamlet_id"],
                    location=cluster["location"],
                    label=f"{cluster['name']} - loa {'AB'[i]}",
                )
            )
    return speakers


def demo_things(commune_id: str) -> list[str]:
    return [s.thing for s in demo_speakers(commune_id)]


def speaker_policy_document() -> dict[str, Any]:
    """The IoT policy of template.yaml (``SpeakerPolicy``): a thing, with its certificate attached, uses only its
    own topics under its own commune (its registry attribute ``commune``, set by :func:`seed_iot_things`) and,
    while it is re-provisioned after a merger, under a second one (``commune_alt``)."""
    thing = "${iot:Connection.Thing.ThingName}"
    commune = "${iot:Connection.Thing.Attributes[commune]}"
    topic = f"arn:aws:iot:*:*:topic/sc/{commune}/speakers/{thing}"
    topicfilter = f"arn:aws:iot:*:*:topicfilter/sc/{commune}/speakers/{thing}"
    alt = "${iot:Connection.Thing.Attributes[commune_alt]}"
    alt_topic = f"arn:aws:iot:*:*:topic/sc/{alt}/speakers/{thing}"
    alt_filter = f"arn:aws:iot:*:*:topicfilter/sc/{alt}/speakers/{thing}"
    shadow = f"arn:aws:iot:*:*:topic/$aws/things/{thing}/shadow"
    shadow_filter = f"arn:aws:iot:*:*:topicfilter/$aws/things/{thing}/shadow"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iot:Connect",
                "Resource": f"arn:aws:iot:*:*:client/{thing}",
                "Condition": {"Bool": {"iot:Connection.Thing.IsAttached": "true"}},
            },
            {"Effect": "Allow", "Action": "iot:Subscribe", "Resource": [f"{topicfilter}/cmd", f"{shadow_filter}/*"]},
            {"Effect": "Allow", "Action": "iot:Receive", "Resource": [f"{topic}/cmd", f"{shadow}/*"]},
            {
                "Effect": "Allow",
                "Action": "iot:Publish",
                "Resource": [f"{topic}/ack", f"{topic}/heartbeat", f"{shadow}/update", f"{shadow}/get"],
            },
            # re-provisioning after a merger: the same topics under the thing's second commune (commune_alt)
            {"Effect": "Allow", "Action": "iot:Subscribe", "Resource": [f"{alt_filter}/cmd"]},
            {"Effect": "Allow", "Action": "iot:Receive", "Resource": [f"{alt_topic}/cmd"]},
            {"Effect": "Allow", "Action": "iot:Publish", "Resource": [f"{alt_topic}/ack", f"{alt_topic}/heartbeat"]},
        ],
    }


def _ensure_policy(iot: Any) -> None:
    """Create the speaker policy, or make the template's document its default version if it changed since."""
    document = speaker_policy_document()
    try:
        current = iot.get_policy(policyName=SPEAKER_POLICY_NAME)
    except iot.exceptions.ResourceNotFoundException:
        iot.create_policy(policyName=SPEAKER_POLICY_NAME, policyDocument=json.dumps(document))
        return
    if json.loads(current["policyDocument"]) != document:
        for version in iot.list_policy_versions(policyName=SPEAKER_POLICY_NAME)["policyVersions"]:
            if not version["isDefaultVersion"]:  # at most five versions are kept: drop the old ones first
                iot.delete_policy_version(policyName=SPEAKER_POLICY_NAME, policyVersionId=version["versionId"])
        iot.create_policy_version(
            policyName=SPEAKER_POLICY_NAME, policyDocument=json.dumps(document), setAsDefault=True
        )


def seed_iot_things(iot: Any, speakers: list[Speaker], bindings: dict[str, list[str]] | None = None) -> int:
    """Create missing things (with a certificate and the speaker policy) in the IoT control plane; returns how many.

    Each thing carries the attribute ``commune``: the speaker policy binds the thing's topics to it; a speaker
    being re-provisioned (``bindings``: thing -> communes, from the registry) also ``commune_alt``.
    """
    _ensure_policy(iot)
    if not iot.list_thing_types(thingTypeName=SPEAKER_THING_TYPE).get("thingTypes"):
        iot.create_thing_type(thingTypeName=SPEAKER_THING_TYPE)
    created = 0
    for s in speakers:
        try:
            iot.describe_thing(thingName=s.thing)
            continue
        except iot.exceptions.ResourceNotFoundException:
            pass
        communes = (bindings or {}).get(s.thing) or [s.commune_id]
        attributes = {"commune": communes[0], "cluster": s.cluster_id, "hamlet": s.hamlet_id}
        if len(communes) > 1:
            attributes["commune_alt"] = communes[1]
        iot.create_thing(
            thingName=s.thing, thingTypeName=SPEAKER_THING_TYPE, attributePayload={"attributes": attributes}
        )
        cert = iot.create_keys_and_certificate(setAsActive=True)
        iot.attach_policy(policyName=SPEAKER_POLICY_NAME, target=cert["certificateArn"])
        iot.attach_thing_principal(thingName=s.thing, principal=cert["certificateArn"])
        created += 1
    return created


def seed_devices(services: Services, commune_ids: tuple[str, ...] = ("giao-phong",)) -> dict[str, int]:
    """Registry records (table) and IoT things (control plane) for the demo speakers; safe to run again."""
    from smartcommune.core.aws import client
    from smartcommune.core.wiring import bound_table
    from smartcommune.devices.storage.registry import DeviceRepository

    services.get(bound_table)
    counts = {"speakers": 0, "clusters": 0, "things_created": 0}
    iot = client("iot", services.settings)
    from smartcommune_local.communes_cli import merged_away

    bindings = registry_bindings(services)
    for commune_id in commune_ids:
        if merged_away(services, commune_id):  # its speakers are the new commune's now: only their things
            counts["things_created"] += seed_iot_things(iot, demo_speakers(commune_id), bindings)
            continue
        repo = DeviceRepository(commune_id)
        existing = repo.registry()
        speakers = [s for s in demo_speakers(commune_id) if s.thing not in existing]
        if speakers:
            repo.put_speakers(speakers)  # keeps volumes and live state of speakers already registered
        for cluster in demo_clusters(commune_id):
            repo.put_cluster(
                cluster["cluster_id"], cluster["hamlet_id"], cluster["name"], cluster["location"], cluster["things"]
            )
            counts["clusters"] += 1
        counts["speakers"] += len(demo_speakers(commune_id))
        counts["things_created"] += seed_iot_things(iot, demo_speakers(commune_id), bindings)
    return counts


def registry_bindings(services: Services) -> dict[str, list[str]]:
    """thing -> the communes whose topics it may use now, for every registered speaker of every commune: what the
    broker's ACL and the things' attributes are made from (the moto IoT registry does not survive a restart)."""
    from smartcommune.communes.wiring import commune_repository
    from smartcommune.devices.wiring import speaker_topic_bindings

    return speaker_topic_bindings(services, sorted(services.get(commune_repository).all_ids()))

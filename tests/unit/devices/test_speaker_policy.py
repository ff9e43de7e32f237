"""The speaker IoT policy binds each thing to its own commune's topics (template.yaml, and its local mirror).

The policy is evaluated here the way IoT Core does for the statements it uses: thing policy variables are filled
from the connected thing (name, registry attribute ``commune``, whether its certificate is attached), ``*``
matches anything, a statement whose variable cannot be filled matches nothing, and what no statement allows is
denied.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any

import pytest

from smartcommune_local.devices_demo import speaker_policy_document
from smartcommune_local.template import load_template

REGION, ACCOUNT = "ap-southeast-1", "123456789012"
GP_THING = {"name": "gp-spk-01a", "commune": "giao-phong", "attached": True}


def _template_document() -> dict[str, Any]:
    document = load_template()["Resources"]["SpeakerPolicy"]["Properties"]["PolicyDocument"]

    def resolve(value: Any) -> Any:
        if isinstance(value, dict) and "Fn::Sub" in value:
            text = value["Fn::Sub"]
            for name, real in (("AWS::Partition", "aws"), ("AWS::Region", REGION), ("AWS::AccountId", ACCOUNT)):
                text = text.replace("${" + name + "}", real)
            return text.replace("${!", "${")
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [resolve(v) for v in value]
        return value

    resolved: dict[str, Any] = resolve(document)
    return resolved


def _fill(pattern: str, thing: dict[str, Any]) -> str | None:
    variables = {"iot:Connection.Thing.ThingName": thing.get("name")}
    variables["iot:Connection.Thing.Attributes[commune]"] = thing.get("commune")
    variables["iot:Connection.Thing.Attributes[commune_alt]"] = thing.get("commune_alt")
    for name in re.findall(r"\$\{([^}]+)\}", pattern):
        value = variables.get(name)
        if value is None:
            return None  # an unresolvable variable: the statement does not apply
        pattern = pattern.replace("${" + name + "}", str(value))
    return pattern


def allowed(document: dict[str, Any], thing: dict[str, Any], action: str, resource: str) -> bool:
    for statement in document["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if statement["Effect"] != "Allow" or action not in actions:
            continue
        condition = statement.get("Condition", {}).get("Bool", {})
        if condition.get("iot:Connection.Thing.IsAttached") == "true" and not thing.get("attached"):
            continue
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for pattern in resources:
            filled = _fill(pattern, thing)
            if filled is not None and fnmatch.fnmatchcase(resource, filled):
                return True
    return False


def _arn(kind: str, name: str) -> str:
    return f"arn:aws:iot:{REGION}:{ACCOUNT}:{kind}/{name}"


DOCUMENTS = {"template.yaml": _template_document(), "local mirror": speaker_policy_document()}


@pytest.fixture(params=sorted(DOCUMENTS))
def policy(request: Any) -> dict[str, Any]:
    return DOCUMENTS[request.param]


@pytest.mark.parametrize("kind", ["ack", "heartbeat"])
def test_a_giao_phong_speaker_cannot_publish_under_bach_long(policy, kind):
    # Given Giao Phong's speaker gp-spk-01a, connected with its own certificate
    # Then it may publish its acks and heartbeats under Giao Phong, and not under Bach Long
    own = _arn("topic", f"sc/giao-phong/speakers/gp-spk-01a/{kind}")
    foreign = _arn("topic", f"sc/bach-long/speakers/gp-spk-01a/{kind}")
    assert allowed(policy, GP_THING, "iot:Publish", own)
    assert not allowed(policy, GP_THING, "iot:Publish", foreign)


def test_a_speaker_hears_commands_only_of_its_own_commune(policy):
    for action, kind in (("iot:Subscribe", "topicfilter"), ("iot:Receive", "topic")):
        assert allowed(policy, GP_THING, action, _arn(kind, "sc/giao-phong/speakers/gp-spk-01a/cmd"))
        assert not allowed(policy, GP_THING, action, _arn(kind, "sc/bach-long/speakers/gp-spk-01a/cmd"))
        assert not allowed(policy, GP_THING, action, _arn(kind, "sc/giao-phong/speakers/gp-spk-01b/cmd"))


def test_a_thing_without_a_commune_or_with_a_detached_certificate_gets_nothing(policy):
    no_commune = {"name": "gp-spk-01a", "attached": True}
    assert not allowed(policy, no_commune, "iot:Publish", _arn("topic", "sc/giao-phong/speakers/gp-spk-01a/ack"))
    detached = GP_THING | {"attached": False}
    assert not allowed(policy, detached, "iot:Connect", _arn("client", "gp-spk-01a"))
    assert allowed(policy, GP_THING, "iot:Connect", _arn("client", "gp-spk-01a"))
    assert not allowed(policy, GP_THING, "iot:Connect", _arn("client", "gp-spk-01b"))


def test_the_local_mirror_is_the_template_policy():
    def shape(document: dict[str, Any]) -> list[tuple[str, tuple[str, ...], Any]]:
        out = []
        for statement in document["Statement"]:
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            tails = tuple(sorted(r.split(":", 5)[5] for r in resources))  # what follows arn:aws:iot:region:account:
            out.append((statement["Action"], tails, statement.get("Condition")))
        return out

    assert shape(speaker_policy_document()) == shape(_template_document())


def test_a_speaker_may_ask_for_its_own_shadow_on_connect_and_hear_the_answer_only_for_itself(policy):
    # The agent publishes $aws/things/<thing>/shadow/get on every (re)connect and reads .../get/accepted
    own = "$aws/things/gp-spk-01a/shadow"
    assert allowed(policy, GP_THING, "iot:Publish", _arn("topic", f"{own}/get"))
    assert allowed(policy, GP_THING, "iot:Subscribe", _arn("topicfilter", f"{own}/get/accepted"))
    assert allowed(policy, GP_THING, "iot:Receive", _arn("topic", f"{own}/get/accepted"))
    other = "$aws/things/gp-spk-01b/shadow"
    assert not allowed(policy, GP_THING, "iot:Publish", _arn("topic", f"{other}/get"))
    assert not allowed(policy, GP_THING, "iot:Receive", _arn("topic", f"{other}/get/accepted"))


def test_a_speaker_being_reprovisioned_uses_its_topics_under_both_communes_and_no_third(policy):
    # Given Giao Phong's speaker moving to Giao Ninh: the platform set its second attribute
    moving = GP_THING | {"commune_alt": "giao-ninh"}
    for commune in ("giao-phong", "giao-ninh"):
        base = f"sc/{commune}/speakers/gp-spk-01a"
        assert allowed(policy, moving, "iot:Subscribe", _arn("topicfilter", f"{base}/cmd"))
        assert allowed(policy, moving, "iot:Receive", _arn("topic", f"{base}/cmd"))
        assert allowed(policy, moving, "iot:Publish", _arn("topic", f"{base}/ack"))
        assert allowed(policy, moving, "iot:Publish", _arn("topic", f"{base}/heartbeat"))
    # Then nothing under a third commune, and nothing of another speaker's under the new one
    assert not allowed(policy, moving, "iot:Receive", _arn("topic", "sc/bach-long/speakers/gp-spk-01a/cmd"))
    assert not allowed(policy, moving, "iot:Receive", _arn("topic", "sc/giao-ninh/speakers/gp-spk-01b/cmd"))
    # And once the old commune is dropped (commune = the new one, no second attribute) the old topics are closed
    moved = GP_THING | {"commune": "giao-ninh"}
    assert allowed(policy, moved, "iot:Publish", _arn("topic", "sc/giao-ninh/speakers/gp-spk-01a/ack"))
    assert not allowed(policy, moved, "iot:Publish", _arn("topic", "sc/giao-phong/speakers/gp-spk-01a/ack"))

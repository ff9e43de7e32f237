"""Read ``template.yaml`` and create its stateful resources against any AWS API endpoint (moto locally).

The same definitions that deploy to AWS make the local tables, buckets and queues, and the functions'
environment is resolved from the template too, so local and cloud cannot drift.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    import boto3

REPO_ROOT = Path(__file__).resolve().parents[3]
TEMPLATE_PATH = REPO_ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that understands CloudFormation's short tags (``!Ref``, ``!GetAtt``, ``!Sub`` …)."""


def _cfn_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _cfn_tag)


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as plain data, intrinsic functions in their long form."""
    with path.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.load(fh, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    return data


def local_name(logical_id: str, prefix: str = "smartcommune") -> str:
    """``MainTable`` → ``smartcommune-main-table``: stable names, so data survives a restart."""
    return prefix + "-" + re.sub(r"(?<!^)(?=[A-Z])", "-", logical_id).lower()


@dataclass
class LocalResources:
    """The physical resources made from the template, by logical id."""

    refs: dict[str, str] = field(default_factory=dict)  # what !Ref resolves to
    arns: dict[str, str] = field(default_factory=dict)  # what !GetAtt X.Arn resolves to
    template: dict[str, Any] = field(default_factory=dict)

    def resolve(self, value: Any) -> Any:
        """Resolve the intrinsic functions the environment uses; ``None`` means AWS::NoValue."""
        if isinstance(value, dict) and len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                if arg in self.refs:
                    return self.refs[arg]
                if arg == "AWS::NoValue" or arg in self.template.get("Resources", {}):
                    return None  # nothing, or a resource the local stand-ins do not create (see create_resources)
                param = self.template.get("Parameters", {}).get(arg, {})
                return param.get("Default", "")
            if key == "Fn::GetAtt":
                return self.arns[arg[0]]
            if key == "Fn::If":
                condition, when_true, when_false = arg
                return self.resolve(when_true if self._condition(condition) else when_false)
        return value

    def _condition(self, name: str) -> bool:
        # Local defaults leave every optional parameter empty, which is what the template's conditions test.
        return False

    def environment(self, function_logical_id: str | None = None) -> dict[str, str]:
        """The environment a function gets in AWS (Globals, then its own), with references resolved."""
        env: dict[str, Any] = dict(
            self.template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
        )
        if function_logical_id is not None:
            props = self.template["Resources"][function_logical_id]["Properties"]
            env.update(props.get("Environment", {}).get("Variables", {}))
        resolved = {k: self.resolve(v) for k, v in env.items()}
        return {k: str(v) for k, v in resolved.items() if v is not None}


def _create_queues(sqs: Any, resources: dict[str, Any], out: LocalResources, region: str, prefix: str) -> None:
    # Dead-letter targets first: a redrive policy must name a queue that exists.
    queues = {k: v for k, v in resources.items() if v["Type"] == "AWS::SQS::Queue"}
    for logical_id in sorted(queues, key=lambda k: "RedrivePolicy" in queues[k].get("Properties", {})):
        props = queues[logical_id].get("Properties", {})
        attributes = {"VisibilityTimeout": str(props.get("VisibilityTimeout", 30))}
        if "MessageRetentionPeriod" in props:
            attributes["MessageRetentionPeriod"] = str(props["MessageRetentionPeriod"])
        redrive = props.get("RedrivePolicy")
        if redrive:
            target = out.resolve(redrive["deadLetterTargetArn"])
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": target, "maxReceiveCount": str(redrive["maxReceiveCount"])}
            )
        name = local_name(logical_id, prefix)
        out.refs[logical_id] = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        out.arns[logical_id] = f"arn:aws:sqs:{region}:123456789012:{name}"


def _create_table(dynamodb: Any, name: str, props: dict[str, Any]) -> None:
    if name in dynamodb.list_tables()["TableNames"]:
        return
    kwargs: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if props.get("GlobalSecondaryIndexes"):
        kwargs["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    dynamodb.create_table(**kwargs)
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        dynamodb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True}
        )


def _create_bucket(s3: Any, name: str, props: dict[str, Any], region: str) -> None:
    try:
        s3.head_bucket(Bucket=name)
        return
    except s3.exceptions.ClientError:
        pass
    kwargs: dict[str, Any] = {"Bucket": name}
    if region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    if props.get("ObjectLockEnabled"):
        kwargs["ObjectLockEnabledForBucket"] = True
    s3.create_bucket(**kwargs)


def _configure_bucket(s3: Any, name: str, props: dict[str, Any], out: LocalResources) -> None:
    """The bucket's lifecycle rules (stored: the local sweep applies them) and its queue notifications (moto
    delivers S3 -> SQS as AWS does); applied on every start, so a changed template takes effect."""
    rules = []
    for rule in (props.get("LifecycleConfiguration") or {}).get("Rules", []):
        if "ExpirationInDays" not in rule:
            continue
        rules.append(
            {
                "ID": rule.get("Id", ""),
                "Status": rule.get("Status", "Enabled"),
                "Filter": {"Prefix": rule.get("Prefix", "")},
                "Expiration": {"Days": int(out.resolve(rule["ExpirationInDays"]))},
            }
        )
    if rules:
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
    queues = []
    for config in (props.get("NotificationConfiguration") or {}).get("QueueConfigurations", []):
        entry: dict[str, Any] = {"QueueArn": out.resolve(config["Queue"]), "Events": [config["Event"]]}
        filter_rules = ((config.get("Filter") or {}).get("S3Key") or {}).get("Rules")
        if filter_rules:
            entry["Filter"] = {"Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in filter_rules]}}
        queues.append(entry)
    if queues:
        s3.put_bucket_notification_configuration(Bucket=name, NotificationConfiguration={"QueueConfigurations": queues})


def _create_key(kms: Any, name: str) -> tuple[str, str]:
    """A symmetric KMS key under ``alias/<name>`` (found again by its alias): ``(key id, ARN)``."""
    alias = f"alias/{name}"
    try:
        metadata = kms.describe_key(KeyId=alias)["KeyMetadata"]
    except kms.exceptions.NotFoundException:
        metadata = kms.create_key(Description=name)["KeyMetadata"]
        kms.create_alias(AliasName=alias, TargetKeyId=metadata["KeyId"])
    return str(metadata["KeyId"]), str(metadata["Arn"])


def create_resources(
    session: boto3.Session,
    endpoint_url: str | None,
    template: dict[str, Any] | None = None,
    prefix: str = "smartcommune",
) -> LocalResources:
    """Create (or find) every table, bucket, queue and KMS key the template declares; safe to call again."""
    template = template or load_template()
    out = LocalResources(template=template)
    resources: dict[str, Any] = template["Resources"]
    region = session.region_name or "ap-southeast-1"
    _create_queues(session.client("sqs", endpoint_url=endpoint_url), resources, out, region, prefix)
    dynamodb = session.client("dynamodb", endpoint_url=endpoint_url)
    s3 = session.client("s3", endpoint_url=endpoint_url)
    kms = session.client("kms", endpoint_url=endpoint_url)
    for logical_id, resource in resources.items():
        props = resource.get("Properties", {})
        name = local_name(logical_id, prefix)
        if resource["Type"] == "AWS::DynamoDB::Table":
            out.refs[logical_id] = name
            out.arns[logical_id] = f"arn:aws:dynamodb:{region}:123456789012:table/{name}"
            _create_table(dynamodb, name, props)
        elif resource["Type"] == "AWS::S3::Bucket":
            out.refs[logical_id] = name
            out.arns[logical_id] = f"arn:aws:s3:::{name}"
            _create_bucket(s3, name, props, region)
            _configure_bucket(s3, name, props, out)
        elif resource["Type"] == "AWS::KMS::Key" and props.get("KeyUsage", "ENCRYPT_DECRYPT") == "ENCRYPT_DECRYPT":
            out.refs[logical_id], out.arns[logical_id] = _create_key(kms, name)
        # A signing key (the reports' ES256) is not made locally: moto's KMS hashes a DIGEST message once more,
        # so its signatures would not verify. The local stack signs with its key file (reporting.storage.keys).
    return out

"""The single DynamoDB table every entity lives in, and how it is bound to an endpoint.

Key design (``docs/architecture.md`` has the full list): every record of a commune has a partition key that
starts with ``C#<commune_id>#``, so a repository built for one commune cannot address another's records, and a
province with hundreds of communes needs no scans — every access is by key or by index.

Tenancy: every record a commune owns also carries ``TENANT`` (its commune id), written by the base model on every
put and update, and the ``TENANT`` index lists a commune's records (keys and type only). A commune merger walks
that index and touches each record once; each model declares what a merger does with it (:class:`MergePolicy`).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from pynamodb.attributes import DiscriminatorAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from smartcommune.core.errors import FieldProblem, InvalidInputError

if TYPE_CHECKING:
    from pynamodb.connection import Connection

    from smartcommune.core.settings import Settings


def commune_pk(commune_id: str, *parts: str) -> str:
    """A partition key inside one commune: ``C#giao-phong#CITIZEN#123``."""
    if not commune_id or "#" in commune_id:
        raise ValueError("commune_id is required and may not contain '#'")
    return "#".join(("C", commune_id, *parts))


def tenant_of(pk: str) -> str | None:
    """The commune owning a partition key made by :func:`commune_pk`, else None."""
    if not pk.startswith("C#"):
        return None
    commune_id, sep, _ = pk[2:].partition("#")
    return commune_id if sep and commune_id else None


class MergePolicy(StrEnum):
    """What a commune merger does with a record of a merged (old) commune."""

    MOVE = "move"  # re-keyed under the new commune, once (its history comes with it)
    KEEP = "keep"  # stays under the old commune as its history (audit chains, counters by period)
    DROP = "drop"  # short-lived (codes, heartbeat slots): deleted, its TTL would remove it anyway
    GLOBAL = "global"  # owned by no commune (sessions, rate counters); aliases resolve the commune it names


class Gsi1(GlobalSecondaryIndex["MainTable"]):
    """Lists: the records of one kind in one commune, in a useful order."""

    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(range_key=True, attr_name="GSI1SK")


class Gsi2(GlobalSecondaryIndex["MainTable"]):
    """A second access path (e.g. by status, by assignee) where GSI1 is already taken."""

    class Meta:
        index_name = "GSI2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(range_key=True, attr_name="GSI2SK")


class TenantIndex(GlobalSecondaryIndex["MainTable"]):
    """A commune's records (keys and type): what a merger walks. Never on a request path."""

    class Meta:
        index_name = "TENANT"
        projection = IncludeProjection(["type", "MERGED_FROM"])

    tenant = UnicodeAttribute(hash_key=True, attr_name="TENANT")


class MainTable(Model):
    """Base of every item. Subclasses declare ``discriminator=...``, their own attributes and ``merge``."""

    class Meta:
        table_name = "smartcommune-main"
        region = "ap-southeast-1"
        host: str | None = None

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = DiscriminatorAttribute(attr_name="type")
    gsi1pk = UnicodeAttribute(null=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(null=True, attr_name="GSI1SK")
    gsi2pk = UnicodeAttribute(null=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(null=True, attr_name="GSI2SK")
    # Epoch seconds; DynamoDB's TTL deletes the item some time after (sessions, codes, rate counters).
    expires_at = NumberAttribute(null=True, attr_name="ttl")
    # The owning commune (see the module's docstring) and, after a merger, the commune it was recorded under.
    tenant = UnicodeAttribute(null=True, attr_name="TENANT")
    merged_from = UnicodeAttribute(null=True, attr_name="MERGED_FROM")

    gsi1 = Gsi1()
    gsi2 = Gsi2()
    tenancy = TenantIndex()

    merge: ClassVar[MergePolicy | None] = None
    """What a merger does with this kind of record; every concrete model declares it (a test checks)."""

    def serialize(self, null_check: bool = True) -> dict[str, dict[str, Any]]:
        values: dict[str, dict[str, Any]] = super().serialize(null_check=null_check)
        if "TENANT" not in values:
            tenant = tenant_of(self.pk)
            if tenant:
                values["TENANT"] = {"S": tenant}
        return values

    def update(self, actions: list[Any], condition: Any = None, *, add_version_condition: bool = True) -> Any:
        return super().update(self._with_tenant(actions), condition, add_version_condition=add_version_condition)

    def get_update_kwargs_from_instance(self, actions: list[Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
        return super().get_update_kwargs_from_instance(self._with_tenant(actions), *args, **kwargs)

    def _with_tenant(self, actions: list[Any]) -> list[Any]:
        """An update may create the item: it must carry its type and tenant like a put does (a merger reads
        both from the tenancy index and stops at a record whose type it cannot name)."""
        model = type(self)
        sets = {str(a.values[0]) for a in actions if getattr(a, "format_string", "").startswith("{0} = ")}
        typed = [] if model.kind.attr_name in sets else [model.kind.set(model)]
        tenant = tenant_of(self.pk)
        return [*actions, *typed, MainTable.tenant.set(tenant)] if tenant else [*actions, *typed]


def _all_models(cls: type[Model]) -> Iterator[type[Model]]:
    yield cls
    for sub in cls.__subclasses__():
        yield from _all_models(sub)


_bound: dict[str, Any] = {}


def bind(settings: Settings) -> None:
    """Point every model at the configured table and endpoint; safe to call again when they change."""
    key = (settings.table_name, settings.aws_region, settings.aws_endpoint_url)
    if _bound.get("key") == key:
        return
    MainTable.Meta.table_name = settings.table_name
    MainTable.Meta.region = settings.aws_region
    MainTable.Meta.host = settings.aws_endpoint_url
    for model in _all_models(MainTable):
        model._connection = None
    _bound["key"] = key


@contextmanager
def transaction() -> Iterator[TransactWrite]:
    """All-or-nothing writes across items (a record and its audit entry, say).

    Runs on the models' cached connection: a new ``Connection`` would build a new botocore client (0.1-0.7 s)
    on every write.
    """
    connection: Connection = MainTable._get_connection().connection
    with TransactWrite(connection=connection) as tx:
        yield tx


# ---------------------------------------------------------------- page cursors


def encode_cursor(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, index_key: str, partition: str) -> dict[str, Any]:
    """The exclusive start key in ``cursor``; it must belong to ``partition`` of the index (no cross-commune)."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise _bad_cursor() from exc
    allowed = {"PK", "SK", index_key, index_key.replace("PK", "SK")}
    if (
        not isinstance(data, dict)
        or set(data) != allowed
        or not all(isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) for v in data.values())
        or data[index_key]["S"] != partition
    ):
        raise _bad_cursor()
    return data


def _bad_cursor() -> InvalidInputError:
    return InvalidInputError(
        "Thông tin gửi lên chưa hợp lệ, vui lòng kiểm tra các trường được nêu.",
        "The input is not valid; please check the fields listed.",
        details=[FieldProblem("cursor", "Con trỏ trang không hợp lệ; hãy tải lại danh sách.", "Invalid page cursor.")],
    )

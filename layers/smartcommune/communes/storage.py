"""The commune registry: one item per commune, listed per province through GSI1."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute

from smartcommune.communes.contracts import Commune
from smartcommune.core.table import MainTable


class CommuneItem(MainTable, discriminator="commune"):
    document = UnicodeAttribute()  # the Commune contract as JSON: read whole, written whole, rarely changed


class CommuneIndexItem(MainTable, discriminator="commune_index"):
    """One item per commune under the fixed partition ``COMMUNES`` so the nightly jobs can list them by key."""


class CommuneRepository:
    """Reads and writes commune profiles."""

    def get(self, commune_id: str) -> Commune | None:
        try:
            item = CommuneItem.get(f"COMMUNE#{commune_id}", "PROFILE")
        except CommuneItem.DoesNotExist:
            return None
        return Commune.model_validate_json(item.document)

    def put(self, commune: Commune) -> None:
        """Create or replace a commune's profile and its entry in the registry partition (both idempotent)."""
        CommuneItem(
            f"COMMUNE#{commune.id}",
            "PROFILE",
            gsi1pk=f"PROVINCE#{commune.province_id}",
            gsi1sk=commune.id,
            document=commune.model_dump_json(),
        ).save()
        CommuneIndexItem("COMMUNES", commune.id).save()

    def in_province(self, province_id: str) -> list[Commune]:
        return [
            Commune.model_validate_json(item.document)
            for item in CommuneItem.gsi1.query(f"PROVINCE#{province_id}")
            if isinstance(item, CommuneItem)
        ]

    def all_ids(self) -> list[str]:
        """Every commune id, through the registry partition (one item per commune, never a table scan)."""
        return [item.sk for item in CommuneIndexItem.query("COMMUNES")]

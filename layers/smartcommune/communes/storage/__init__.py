"""The commune registry: one item per commune, listed per province through GSI1.

A merged commune's profile stays as an alias: :meth:`CommuneRepository.get` follows ``merged_into`` to the commune
that holds its records now, so old links, Open311 jurisdiction ids and sessions keep working.
"""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute

from smartcommune.communes.contracts import Commune
from smartcommune.core.table import MainTable, MergePolicy

MAX_ALIAS_HOPS = 8  # a commune merged again and again; a loop would be a bug, not data


class CommuneItem(MainTable, discriminator="commune"):
    merge = MergePolicy.GLOBAL

    document = UnicodeAttribute()  # the Commune contract as JSON: read whole, written whole, rarely changed


class CommuneIndexItem(MainTable, discriminator="commune_index"):
    """One item per commune under the fixed partition ``COMMUNES`` so the nightly jobs can list them by key."""

    merge = MergePolicy.GLOBAL


class CommuneRepository:
    """Reads and writes commune profiles."""

    def profile(self, commune_id: str) -> Commune | None:
        """The profile stored under ``commune_id`` itself (a merged commune's alias included)."""
        try:
            item = CommuneItem.get(f"COMMUNE#{commune_id}", "PROFILE")
        except CommuneItem.DoesNotExist:
            return None
        return Commune.model_validate_json(item.document)

    def get(self, commune_id: str) -> Commune | None:
        """The commune ``commune_id`` is today: itself, or the commune it was merged into."""
        commune = self.profile(commune_id)
        for _ in range(MAX_ALIAS_HOPS):
            if commune is None or commune.merged_into is None:
                return commune
            commune = self.profile(commune.merged_into)
        return commune

    def successor(self, commune_id: str) -> str | None:
        """The commune now holding ``commune_id``'s records, if it was merged (None otherwise)."""
        current = self.get(commune_id)
        return current.id if current is not None and current.id != commune_id else None

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

    def remove(self, commune_id: str) -> None:
        """Delete a profile (a rolled-back merger's new commune, which never held records of its own)."""
        CommuneItem(f"COMMUNE#{commune_id}", "PROFILE").delete()
        CommuneIndexItem("COMMUNES", commune_id).delete()

    def in_province(self, province_id: str) -> list[Commune]:
        """The province's communes serving today (merged ones are aliases, not communes)."""
        return [
            commune
            for item in CommuneItem.gsi1.query(f"PROVINCE#{province_id}")
            if isinstance(item, CommuneItem)
            and (commune := Commune.model_validate_json(item.document)).merged_into is None
        ]

    def all_ids(self) -> list[str]:
        """Every commune id, through the registry partition (one item per commune, never a table scan)."""
        return [item.sk for item in CommuneIndexItem.query("COMMUNES")]

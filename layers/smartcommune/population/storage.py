"""The population register in the main table; every read by key or index, every change in one transaction.

=================  ==============================  ================  ============================================
item               PK                              SK                indexes
=================  ==============================  ================  ============================================
household book     ``C#<c>#REGISTER#<household>``  ``HOUSEHOLD``     GSI1 ``C#<c>#REGISTER`` / ``<hamlet>#<id>``
account link       ``C#<c>#REGLINK#<citizen>``     ``LINK``          -
counters           ``C#<c>#POPULATION``            ``TOTAL``,        -
                                                   ``YEAR#<yyyy>#<hamlet>``
=================  ==============================  ================  ============================================

A household book is one item, its residents inside (at most 30 people: a few kilobytes): one read shows the whole
book, a change is one conditional write on its version. The counters (living residents by birth year and sex,
households) change in the same transaction, with DynamoDB's ADD; a transaction may not touch an item twice, so
the changes are summed per birth year first.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from smartcommune.core.table import MainTable, MergePolicy, commune_pk, decode_cursor, encode_cursor, transaction
from smartcommune.population.contracts import Household, HouseholdSummary, Resident, SexCounts

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

    from smartcommune.audit.contracts import AuditRecord
    from smartcommune.audit.logic import AuditJournal


class RegisterHouseholdItem(MainTable, discriminator="register_household"):
    merge = MergePolicy.MOVE

    data = UnicodeAttribute()  # the Household, residents included
    residents = NumberAttribute(default=0)  # living residents (the list's count without a parse)
    version = NumberAttribute()


class RegisterLinkItem(MainTable, discriminator="register_link"):
    merge = MergePolicy.MOVE

    household_id = UnicodeAttribute()


class PopulationCounterItem(MainTable, discriminator="population_counter"):
    # The old commune's counters stay with it after a merger and are added up with the new commune's (its
    # residents move, and their later changes count in the new commune): the sum is right before and after.
    merge = MergePolicy.KEEP

    male = NumberAttribute(null=True)
    female = NumberAttribute(null=True)
    households = NumberAttribute(null=True)
    residents = NumberAttribute(null=True)


def _partition(commune_id: str, household_id: str) -> str:
    return commune_pk(commune_id, "REGISTER", household_id)


def _living(household: Household) -> int:
    return sum(1 for r in household.residents if r.status == "resident")


def _household_item(household: Household, version: int) -> RegisterHouseholdItem:
    return RegisterHouseholdItem(
        _partition(household.commune_id, household.id),
        "HOUSEHOLD",
        gsi1pk=commune_pk(household.commune_id, "REGISTER"),
        gsi1sk=f"{household.hamlet_id}#{household.id}",
        data=household.model_dump_json(),
        residents=_living(household),
        version=version,
    )


def _link_item(commune_id: str, citizen_id: str, household_id: str) -> RegisterLinkItem:
    return RegisterLinkItem(commune_pk(commune_id, "REGLINK", citizen_id), "LINK", household_id=household_id)


def _count_changes(
    tx: TransactWrite, commune_id: str, hamlet_id: str, deltas: Counter[tuple[int, str]], households: int
) -> None:
    """ADD the residents' changes (by (birth year, sex)) of one hamlet and the totals to the commune's counters."""
    pk = commune_pk(commune_id, "POPULATION")
    years: dict[int, dict[str, int]] = {}
    for (year, sex), n in deltas.items():
        years.setdefault(year, {}).update({sex: n})
    for year, by_sex in years.items():
        actions = [getattr(PopulationCounterItem, sex).add(n) for sex, n in by_sex.items() if n]
        if actions:
            tx.update(
                PopulationCounterItem(pk, f"YEAR#{year}#{hamlet_id}"),
                actions=[*actions, PopulationCounterItem.kind.set(PopulationCounterItem)],
            )
    residents = sum(deltas.values())
    if residents or households:
        tx.update(
            PopulationCounterItem(pk, "TOTAL"),
            actions=[
                PopulationCounterItem.households.add(households),
                PopulationCounterItem.residents.add(residents),
                PopulationCounterItem.kind.set(PopulationCounterItem),
            ],
        )


class RegisterRepository:
    def __init__(self, journal: AuditJournal) -> None:
        self._journal = journal

    def register(self, household: Household, record: AuditRecord) -> None:
        commune_id = household.commune_id

        def writes(tx: TransactWrite) -> None:
            tx.save(_household_item(household, 1), condition=RegisterHouseholdItem.pk.does_not_exist())
            for resident in household.residents:
                if resident.citizen_id:
                    tx.save(_link_item(commune_id, resident.citizen_id, household.id))
            births: Counter[tuple[int, str]] = Counter((r.birth_date.year, str(r.sex)) for r in household.residents)
            _count_changes(tx, commune_id, household.hamlet_id, births, 1)

        self._journal.commit(commune_id, record, add_writes=writes)

    def replace(
        self, before: Household, version: int, after: Household, changed: Resident, record: AuditRecord
    ) -> None:
        """Write ``after`` over ``before`` (read at ``version``): a resident added or leaving, counted with it."""
        commune_id = after.commune_id
        was = next((r for r in before.residents if r.id == changed.id), None)
        counted_before = was is not None and was.status == "resident"
        counted_after = changed.status == "resident"

        def writes(tx: TransactWrite) -> None:
            tx.save(_household_item(after, version + 1), condition=RegisterHouseholdItem.version == version)
            if changed.citizen_id and counted_after and not counted_before:
                tx.save(_link_item(commune_id, changed.citizen_id, after.id))
            if changed.citizen_id and counted_before and not counted_after:
                tx.delete(_link_item(commune_id, changed.citizen_id, after.id))
            delta = int(counted_after) - int(counted_before)
            if delta:
                change: Counter[tuple[int, str]] = Counter({(changed.birth_date.year, str(changed.sex)): delta})
                _count_changes(tx, commune_id, after.hamlet_id, change, 0)

        self._journal.commit(commune_id, record, add_writes=writes)

    def household(self, commune_id: str, household_id: str) -> tuple[Household, int] | None:
        """The household book and its version, or None."""
        try:
            item = RegisterHouseholdItem.get(_partition(commune_id, household_id), "HOUSEHOLD", consistent_read=True)
        except RegisterHouseholdItem.DoesNotExist:
            return None
        household = Household.model_validate_json(item.data)
        household.residents.sort(key=lambda r: (r.relation != "head", r.birth_date))
        return household, int(item.version)

    def household_of_citizen(self, commune_id: str, citizen_id: str) -> str | None:
        try:
            return str(RegisterLinkItem.get(commune_pk(commune_id, "REGLINK", citizen_id), "LINK").household_id)
        except RegisterLinkItem.DoesNotExist:
            return None

    def households(
        self, commune_id: str, hamlet_id: str | None, cursor: str | None, limit: int
    ) -> tuple[list[HouseholdSummary], str | None]:
        partition = commune_pk(commune_id, "REGISTER")
        start = decode_cursor(cursor, "GSI1PK", partition) if cursor else None
        condition = RegisterHouseholdItem.gsi1sk.startswith(f"{hamlet_id}#") if hamlet_id else None
        page = RegisterHouseholdItem.gsi1.query(
            partition, condition, limit=limit, last_evaluated_key=start, scan_index_forward=True
        )
        items = []
        for item in page:
            if not isinstance(item, RegisterHouseholdItem):
                continue
            h = Household.model_validate_json(item.data)
            items.append(
                HouseholdSummary(
                    id=h.id, hamlet_id=h.hamlet_id, address=h.address, head_name=h.head_name, residents=_living(h)
                )
            )
        last = page.last_evaluated_key
        return items, encode_cursor(last) if last and len(items) == limit else None

    def counters(self, commune_id: str) -> tuple[int, int, dict[str, dict[int, SexCounts]]]:
        households = residents = 0
        hamlets: dict[str, dict[int, SexCounts]] = {}
        for item in PopulationCounterItem.query(commune_pk(commune_id, "POPULATION")):
            if item.sk == "TOTAL":
                households, residents = int(item.households or 0), int(item.residents or 0)
            else:
                _, year, hamlet_id = item.sk.split("#", 2)
                counts = SexCounts(male=int(item.male or 0), female=int(item.female or 0))
                hamlets.setdefault(hamlet_id, {})[int(year)] = counts
        return households, residents, hamlets

    def import_households(self, households: list[Household]) -> None:
        """Bulk import (the demo seeder, a commune's first upload): batched puts, then the summed counters.

        Not one transaction: the caller imports a register once (the demo seeder keeps a marker) — a second run
        would count its residents twice.
        """
        deltas: dict[tuple[str, str], Counter[tuple[int, str]]] = {}
        count: Counter[str] = Counter()
        with MainTable.batch_write() as batch:
            for household in households:
                cid = household.commune_id
                batch.save(_household_item(household, 1))
                for resident in household.residents:
                    if resident.citizen_id and resident.status == "resident":
                        batch.save(_link_item(cid, resident.citizen_id, household.id))
                living = [r for r in household.residents if r.status == "resident"]
                deltas.setdefault((cid, household.hamlet_id), Counter()).update(
                    (r.birth_date.year, r.sex) for r in living
                )
                count[cid] += 1
        for (cid, hamlet_id), changes in deltas.items():
            years = sorted({year for year, _ in changes})
            for start in range(0, len(years), 90):  # a transaction holds at most 100 items
                chunk = set(years[start : start + 90])
                with transaction() as tx:
                    part = Counter({k: v for k, v in changes.items() if k[0] in chunk})
                    _count_changes(tx, cid, hamlet_id, part, count.pop(cid, 0))

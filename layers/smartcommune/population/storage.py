"""The population register in the main table; every read by key or index, every change in one transaction.

=================  ==============================  ================  ============================================
item               PK                              SK                indexes
=================  ==============================  ================  ============================================
household          ``C#<c>#REGISTER#<household>``  ``HOUSEHOLD``     GSI1 ``C#<c>#REGISTER`` / ``<hamlet>#<id>``
resident           ``C#<c>#REGISTER#<household>``  ``RESIDENT#<id>`` -
account link       ``C#<c>#REGLINK#<citizen>``     ``LINK``          -
counters           ``C#<c>#POPULATION``            ``TOTAL``,        -
                                                   ``YEAR#<yyyy>``
=================  ==============================  ================  ============================================

A household and its residents share a partition: one query reads the whole household book. The counters (living
residents by birth year and sex, households) change in the same transaction as the records, with DynamoDB's ADD;
a transaction may not touch an item twice, so the changes are summed per birth year first.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from smartcommune.core.table import MainTable, MergePolicy, commune_pk, decode_cursor, encode_cursor, transaction
from smartcommune.population.contracts import Household, HouseholdSummary, Resident, SexCounts

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

    from smartcommune.audit.contracts import AuditRecord
    from smartcommune.audit.logic import AuditJournal


class RegisterHouseholdItem(MainTable, discriminator="register_household"):
    merge = MergePolicy.MOVE

    data = UnicodeAttribute()
    residents = NumberAttribute(default=0)


class RegisterResidentItem(MainTable, discriminator="register_resident"):
    merge = MergePolicy.MOVE

    data = UnicodeAttribute()
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


def _resident_item(commune_id: str, resident: Resident) -> RegisterResidentItem:
    return RegisterResidentItem(
        _partition(commune_id, resident.household_id),
        f"RESIDENT#{resident.id}",
        data=resident.model_dump_json(),
        version=resident.version,
    )


def _household_item(household: Household, living: int) -> RegisterHouseholdItem:
    return RegisterHouseholdItem(
        _partition(household.commune_id, household.id),
        "HOUSEHOLD",
        gsi1pk=commune_pk(household.commune_id, "REGISTER"),
        gsi1sk=f"{household.hamlet_id}#{household.id}",
        data=household.model_dump_json(exclude={"residents"}),
        residents=living,
    )


def _link_item(commune_id: str, citizen_id: str, household_id: str) -> RegisterLinkItem:
    return RegisterLinkItem(commune_pk(commune_id, "REGLINK", citizen_id), "LINK", household_id=household_id)


def _count_changes(tx: TransactWrite, commune_id: str, deltas: Counter[tuple[int, str]], households: int) -> None:
    """ADD the residents' changes (by (birth year, sex)) and the totals to the commune's counters."""
    pk = commune_pk(commune_id, "POPULATION")
    years: dict[int, dict[str, int]] = {}
    for (year, sex), n in deltas.items():
        years.setdefault(year, {}).update({sex: n})
    for year, by_sex in years.items():
        actions = [getattr(PopulationCounterItem, sex).add(n) for sex, n in by_sex.items() if n]
        if actions:
            tx.update(
                PopulationCounterItem(pk, f"YEAR#{year}"),
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
            tx.save(
                _household_item(household, len(household.residents)),
                condition=RegisterHouseholdItem.pk.does_not_exist(),
            )
            for resident in household.residents:
                tx.save(_resident_item(commune_id, resident))
                if resident.citizen_id:
                    tx.save(_link_item(commune_id, resident.citizen_id, household.id))
            _count_changes(tx, commune_id, Counter((r.birth_date.year, r.sex) for r in household.residents), 1)

        self._journal.commit(commune_id, record, add_writes=writes)

    def add_resident(self, commune_id: str, resident: Resident, record: AuditRecord) -> None:
        def writes(tx: TransactWrite) -> None:
            tx.update(
                RegisterHouseholdItem(_partition(commune_id, resident.household_id), "HOUSEHOLD"),
                actions=[RegisterHouseholdItem.residents.add(1)],
                condition=RegisterHouseholdItem.pk.exists(),
            )
            tx.save(_resident_item(commune_id, resident), condition=RegisterResidentItem.pk.does_not_exist())
            if resident.citizen_id:
                tx.save(_link_item(commune_id, resident.citizen_id, resident.household_id))
            _count_changes(tx, commune_id, Counter({(resident.birth_date.year, resident.sex): 1}), 0)

        self._journal.commit(commune_id, record, add_writes=writes)

    def change_resident(self, commune_id: str, before: Resident, after: Resident, record: AuditRecord) -> None:
        leaves = before.status == "resident" and after.status != "resident"

        def writes(tx: TransactWrite) -> None:
            tx.save(_resident_item(commune_id, after), condition=RegisterResidentItem.version == before.version)
            if leaves:
                tx.update(
                    RegisterHouseholdItem(_partition(commune_id, before.household_id), "HOUSEHOLD"),
                    actions=[RegisterHouseholdItem.residents.add(-1)],
                    condition=RegisterHouseholdItem.pk.exists(),
                )
                if before.citizen_id:
                    tx.delete(_link_item(commune_id, before.citizen_id, before.household_id))
                _count_changes(tx, commune_id, Counter({(before.birth_date.year, before.sex): -1}), 0)

        self._journal.commit(commune_id, record, add_writes=writes)

    def household(self, commune_id: str, household_id: str) -> Household | None:
        head: dict[str, Any] | None = None
        residents: list[Resident] = []
        for item in MainTable.query(_partition(commune_id, household_id), consistent_read=True):
            if isinstance(item, RegisterHouseholdItem):
                head = Household.model_validate_json(item.data).model_dump()
            elif isinstance(item, RegisterResidentItem):
                residents.append(Resident.model_validate_json(item.data))
        if head is None:
            return None
        residents.sort(key=lambda r: (r.relation != "head", r.birth_date))
        return Household.model_validate({**head, "residents": residents})

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
                    id=h.id,
                    hamlet_id=h.hamlet_id,
                    address=h.address,
                    head_name=h.head_name,
                    residents=int(item.residents),
                )
            )
        last = page.last_evaluated_key
        return items, encode_cursor(last) if last and len(items) == limit else None

    def counters(self, commune_id: str) -> tuple[int, int, dict[int, SexCounts]]:
        households = residents = 0
        years: dict[int, SexCounts] = {}
        for item in PopulationCounterItem.query(commune_pk(commune_id, "POPULATION")):
            if item.sk == "TOTAL":
                households, residents = int(item.households or 0), int(item.residents or 0)
            else:
                years[int(item.sk.removeprefix("YEAR#"))] = SexCounts(
                    male=int(item.male or 0), female=int(item.female or 0)
                )
        return households, residents, years

    def import_households(self, households: list[Household]) -> None:
        """Bulk import (the demo seeder, a commune's first upload): batched puts, then the summed counters.

        Not one transaction: the caller imports a register once (the demo seeder keeps a marker) — a second run
        would count its residents twice.
        """
        deltas: dict[str, Counter[tuple[int, str]]] = {}
        count: Counter[str] = Counter()
        with MainTable.batch_write() as batch:
            for household in households:
                cid = household.commune_id
                living = [r for r in household.residents if r.status == "resident"]
                batch.save(_household_item(household, len(living)))
                for resident in household.residents:
                    batch.save(_resident_item(cid, resident))
                    if resident.citizen_id and resident.status == "resident":
                        batch.save(_link_item(cid, resident.citizen_id, household.id))
                deltas.setdefault(cid, Counter()).update((r.birth_date.year, r.sex) for r in living)
                count[cid] += 1
        for cid, changes in deltas.items():
            years = sorted({year for year, _ in changes})
            for start in range(0, len(years), 90):  # a transaction holds at most 100 items
                chunk = set(years[start : start + 90])
                with transaction() as tx:
                    _count_changes(
                        tx,
                        cid,
                        Counter({k: v for k, v in changes.items() if k[0] in chunk}),
                        count[cid] if start == 0 else 0,
                    )

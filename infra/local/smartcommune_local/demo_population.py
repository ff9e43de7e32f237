"""The demo population register: Giao Phong's 2,467 households and 6,835 residents (the plan's figures).

The first households are the fee households of the demo citizens (same book numbers, ``gp-0001`` …, the same
accounts as heads and members), completed with spouses, children and grandparents; the rest are generated with a
rural Red River Delta age structure (about a quarter under 15, one in six over 60). Deterministic: the RNG is
seeded by the commune id, and birth dates are set against a fixed reference year.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from smartcommune_local.demo_data import GIAO_PHONG, make_name

if TYPE_CHECKING:
    from smartcommune.communes.contracts import Commune
    from smartcommune.core.services import Services
    from smartcommune.population.contracts import Household, Resident

REFERENCE = date(2026, 1, 1)
SIZES = {1: 11, 2: 29, 3: 30, 4: 18, 5: 8, 6: 4}  # people per household, in percent (mean ≈ 2.9)


@dataclass(frozen=True)
class Person:
    full_name: str
    birth_date: date
    sex: str
    relation: str
    citizen_id: str | None = None


def _birth(rng: random.Random, age: int) -> date:
    year = REFERENCE.year - max(0, age) - 1
    return date(year, rng.randint(1, 12), rng.randint(1, 28))


def _head_age(rng: random.Random) -> int:
    return int(rng.triangular(22, 88, 36))


def _surname(name: str) -> str:
    return name.split(" ", 1)[0]


def _child(rng: random.Random, surname: str, parent_age: int, relation: str = "child") -> Person | None:
    low, high = (parent_age - 40, parent_age - 20) if relation == "child" else (parent_age - 68, parent_age - 44)
    low, high = max(0, low), min(high, 60)
    if high < low:
        return None
    age = rng.randint(low, high)
    sex = rng.choice(("male", "female"))
    given = make_name(rng, sex).split(" ", 1)[1]
    return Person(f"{surname} {given}", _birth(rng, age), sex, relation)


def _complete(rng: random.Random, head: Person, size: int, taken: list[Person]) -> list[Person]:
    """Fill a household around its head up to ``size`` people (spouse first, then children, an elderly parent)."""
    people = [head, *taken]
    head_age = REFERENCE.year - head.birth_date.year
    surname = _surname(head.full_name)
    if size >= 2 and not any(p.relation == "spouse" for p in people) and head_age < 85:
        sex = "female" if head.sex == "male" else "male"
        age = max(20, head_age + rng.randint(-6, 4))
        people.append(Person(make_name(rng, sex), _birth(rng, age), sex, "spouse"))
    attempts = 0
    while len(people) < size and attempts < 20:
        attempts += 1
        roll = rng.random()
        if head_age >= 50 and roll < 0.6:
            person = _child(rng, surname, head_age, "grandchild")
        elif head_age <= 50 and roll < 0.12:
            age = head_age + rng.randint(24, 32)
            person = None if age > 97 else Person(make_name(rng, "female"), _birth(rng, age), "female", "parent")
        else:
            person = _child(rng, surname, head_age)
        if person is not None:
            people.append(person)
    return people


def demo_register(commune: Commune, accounts: list[list[tuple[str, str, date, str]]]) -> list[list[Person]]:
    """The households' people: ``accounts`` are the fee households' citizens ``(id, name, birth date, sex)``."""
    rng = random.Random(f"smartcommune-register:{commune.id}")
    target_households = commune.households or len(accounts)
    target_people = commune.population or 0
    households: list[list[Person]] = []
    for members in accounts:
        # The fee ledger's head (its first member) heads the register's household too.
        head = Person(members[0][1], members[0][2], members[0][3], "head", members[0][0])
        others: list[Person] = []
        for cid, name, birth, sex in members[1:]:
            gap = birth.year - head.birth_date.year
            spouse_free = not any(p.relation == "spouse" for p in others)
            relation = (
                "child" if gap >= 18
                else "parent" if gap <= -18
                else "spouse" if spouse_free and sex != head.sex
                else "sibling"
            )  # fmt: skip
            others.append(Person(name, birth, sex, relation, cid))
        households.append(_complete(rng, head, len(members) + rng.randint(0, 2), others))
    while len(households) < target_households:
        sex = "male" if rng.random() < 0.78 else "female"
        head = Person(make_name(rng, sex), _birth(rng, _head_age(rng)), sex, "head")
        size = rng.choices(list(SIZES), weights=list(SIZES.values()))[0]
        households.append(_complete(rng, head, size, []))
    # Meet the plan's population exactly: drop or add children in generated households (never an account holder).
    total = sum(len(h) for h in households)
    generated = list(range(len(accounts), len(households)))
    while target_people and total != target_people and generated:
        index = rng.choice(generated)
        people = households[index]
        if total > target_people and len(people) > 1 and people[-1].relation != "head":
            people.pop()
            total -= 1
        elif total < target_people:
            head_age = REFERENCE.year - people[0].birth_date.year
            child = _child(rng, _surname(people[0].full_name), head_age)
            if child is not None:
                people.append(child)
                total += 1
    return households


def seed_population(services: Services, commune: Commune) -> int:
    """Import the demo register of ``commune`` once (a marker says it is done); returns the residents written."""
    import uuid

    from smartcommune.citizens.wiring import citizen_repository
    from smartcommune.population.contracts import Household, Resident
    from smartcommune.population.wiring import register_repository
    from smartcommune_local.demo_data import DEMO_SEED_PK, DemoSeedItem, all_demo_citizens
    from smartcommune_local.demo_fees import demo_households

    if commune.id != GIAO_PHONG.id or DemoSeedItem.count(DEMO_SEED_PK, DemoSeedItem.sk == f"{commune.id}#population"):
        return 0
    citizens = services.get(citizen_repository)
    people = {}
    members = []
    for person in all_demo_citizens()[commune.id]:
        citizen = citizens.find_by_phone(commune.id, person.phone)
        if citizen is not None:
            people[citizen.id] = person
            members.append((citizen.id, person.full_name, person.hamlet_id, person.address))
    fee_households = demo_households(commune, members)
    accounts = [
        [(cid, people[cid].full_name, people[cid].birth_date, people[cid].sex) for cid in h.member_citizen_ids]
        for h in fee_households
    ]
    rng = random.Random(f"smartcommune-register-places:{commune.id}")
    registered: list[Household] = []
    for n, persons in enumerate(demo_register(commune, accounts)):
        if n < len(fee_households):
            number, hamlet_id, address = fee_households[n].id, fee_households[n].hamlet_id, fee_households[n].address
        else:
            hamlet = rng.choice(commune.hamlets)
            number, hamlet_id, address = f"gp-{n + 1:04d}", hamlet.id, f"{hamlet.name}, {commune.name}"
        residents: list[Resident] = [
            Resident(
                id=f"r-{uuid.UUID(int=rng.getrandbits(128)).hex}",
                household_id=number,
                full_name=p.full_name,
                birth_date=p.birth_date,
                sex=p.sex,  # type: ignore[arg-type]
                relation=p.relation,  # type: ignore[arg-type]
                citizen_id=p.citizen_id,
            )
            for p in persons
        ]
        registered.append(
            Household(
                id=number,
                commune_id=commune.id,
                hamlet_id=hamlet_id,
                address=address,
                head_name=residents[0].full_name,
                created_at=datetime(2025, 1, 1, tzinfo=UTC),
                residents=residents,
            )
        )
    services.get(register_repository).import_households(registered)
    DemoSeedItem(DEMO_SEED_PK, f"{commune.id}#population").save()
    return sum(len(h.residents) for h in registered)

"""Demo data of Giao Phong (and its smaller neighbour Bạch Long, to prove tenant isolation).

Two halves: the pure generation (communes, staff, citizens with realistic Vietnamese names, +84 mobile numbers
and valid CCCD numbers — deterministic, from a seeded RNG) and :func:`seed`, which writes what is missing through
the domain services, so seeding is idempotent and safe on every ``smartcommune up``. Demo feedback is built in
``demo_feedback.py``.

Long because: the communes, staff, citizens and the seeding order of every capability's demo data live together.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from smartcommune.communes.contracts import Commune, Hamlet
from smartcommune.core.contracts import Role
from smartcommune.core.table import MainTable, MergePolicy

if TYPE_CHECKING:
    from smartcommune.core.services import Services

# Local only: printed by ``smartcommune up``. The deployed stack never seeds demo accounts.
DEMO_PASSWORD = "GiaoPhong#2025-demo"  # noqa: S105 - a published demo password of the local stack

# A fixed reference year keeps generation deterministic whatever today's date is.
REFERENCE_YEAR = 2025

GIAO_PHONG = Commune(
    id="giao-phong",
    name="Xã Giao Phong",
    district="Huyện Giao Thủy",
    province_id="nam-dinh",
    province="Tỉnh Nam Định",
    # 11 xóm merged into 5 (the pilot plan, section II).
    hamlets=[
        Hamlet(id="dong-thanh", name="Xóm Đông Thành"),
        Hamlet(id="tay-son", name="Xóm Tây Sơn"),
        Hamlet(id="nam-phong", name="Xóm Nam Phong"),
        Hamlet(id="bac-hai", name="Xóm Bắc Hải"),
        Hamlet(id="trung-phong", name="Xóm Trung Phong"),
    ],
    households=2467,
    population=6835,
    unit="14212",  # its entry in the unit register (smartcommune.units): Xã Giao Phong until 30/6/2025
)

BACH_LONG = Commune(
    id="bach-long",
    name="Xã Bạch Long",
    district="Huyện Giao Thủy",
    province_id="nam-dinh",
    province="Tỉnh Nam Định",
    hamlets=[
        Hamlet(id="thanh-long", name="Xóm Thanh Long"),
        Hamlet(id="tan-tien", name="Xóm Tân Tiến"),
        Hamlet(id="dong-hai", name="Xóm Đông Hải"),
    ],
    unit="14206",
)

DEMO_COMMUNES: tuple[Commune, ...] = (GIAO_PHONG, BACH_LONG)
CITIZEN_COUNTS: dict[str, int] = {"giao-phong": 300, "bach-long": 60}
USERNAME_PREFIX: dict[str, str] = {"giao-phong": "gp", "bach-long": "bl"}

# The citizen every walkthrough signs in as.
AN = ("Nguyễn Văn An", "+84912345678")

# Surname shares roughly as in the Red River delta (Vũ and Trần are common in Nam Định).
SURNAMES: dict[str, int] = {
    "Nguyễn": 34,
    "Trần": 12,
    "Vũ": 9,
    "Phạm": 8,
    "Lê": 7,
    "Đỗ": 5,
    "Hoàng": 4,
    "Bùi": 4,
    "Đặng": 3,
    "Ngô": 2,
    "Đinh": 2,
    "Mai": 2,
    "Phan": 2,
    "Lương": 1,
    "Đoàn": 1,
    "Cao": 1,
    "Tô": 1,
    "Triệu": 1,
}
MIDDLE_MALE: dict[str, int] = {"Văn": 40, "Đức": 10, "Minh": 8, "Quang": 6, "Hữu": 6, "Xuân": 5, "Công": 5, "Tiến": 4}
MIDDLE_FEMALE: dict[str, int] = {"Thị": 55, "Thu": 6, "Ngọc": 6, "Thanh": 5, "Hồng": 5, "Phương": 4, "Minh": 4}
GIVEN_MALE = (
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Đạt",
    "Hải",
    "Hiếu",
    "Hoàng",
    "Hùng",
    "Huy",
    "Khánh",
    "Kiên",
    "Lâm",
    "Long",
    "Mạnh",
    "Nam",
    "Phong",
    "Quân",
    "Sơn",
    "Thắng",
    "Thành",
    "Trung",
    "Tuấn",
    "Tùng",
    "Việt",
    "Vinh",
    "Toàn",
    "Hưng",
    "Lực",
    "Thịnh",
)
GIVEN_FEMALE = (
    "Anh",
    "Châu",
    "Dung",
    "Giang",
    "Hà",
    "Hạnh",
    "Hằng",
    "Hoa",
    "Hương",
    "Huyền",
    "Lan",
    "Linh",
    "Loan",
    "Lụa",
    "Mai",
    "Nga",
    "Ngân",
    "Nhung",
    "Oanh",
    "Phượng",
    "Thảo",
    "Trang",
    "Tuyết",
    "Vân",
    "Yến",
    "Thủy",
    "Hiền",
    "Nhàn",
    "Liên",
    "Xuân",
)

# Mobile prefixes in use (Viettel, Vinaphone, MobiFone, Vietnamobile, Gmobile) after the 2018 renumbering.
MOBILE_PREFIXES = (
    "032",
    "033",
    "034",
    "035",
    "036",
    "037",
    "038",
    "039",
    "086",
    "096",
    "097",
    "098",
    "081",
    "082",
    "083",
    "084",
    "085",
    "088",
    "091",
    "094",
    "070",
    "076",
    "077",
    "078",
    "079",
    "089",
    "090",
    "093",
    "052",
    "056",
    "058",
    "092",
    "059",
    "099",
)

NAM_DINH_CCCD = "036"

STAFF_ROLES_ORDER: tuple[Role, ...] = (
    Role.ADMIN,
    Role.OFFICE,
    Role.POLICE,
    Role.ENVIRONMENT,
    Role.INFRASTRUCTURE,
    Role.HEALTH,
    Role.SCHOOL,
    Role.CULTURE,
)
STAFF_DISPLAY_NAMES: dict[str, dict[Role, str]] = {
    "giao-phong": {
        Role.ADMIN: "Trần Văn Thịnh (Chủ tịch UBND xã)",
        Role.OFFICE: "Vũ Thị Hương (Văn phòng - Thống kê)",
        Role.POLICE: "Phạm Đức Mạnh (Công an xã)",
        Role.ENVIRONMENT: "Đỗ Văn Lâm (Địa chính - Môi trường)",
        Role.INFRASTRUCTURE: "Nguyễn Quang Hải (Xây dựng - Giao thông)",
        Role.HEALTH: "Hoàng Thị Lan (Trạm y tế)",
        Role.SCHOOL: "Bùi Thị Thu Trang (Trường THCS Giao Phong)",
        Role.CULTURE: "Mai Văn Sơn (Văn hóa - Thông tin)",
    },
    "bach-long": {
        Role.ADMIN: "Lê Văn Hùng (Chủ tịch UBND xã)",
        Role.OFFICE: "Đặng Thị Nga (Văn phòng - Thống kê)",
    },
}


@dataclass(frozen=True)
class DemoStaff:
    commune_id: str
    username: str
    display_name: str
    roles: tuple[Role, ...]


@dataclass(frozen=True)
class DemoCitizen:
    commune_id: str
    full_name: str
    phone: str  # E.164
    cccd: str
    birth_date: date
    sex: str  # "male" | "female"
    hamlet_id: str
    address: str


def demo_staff(commune_id: str) -> list[DemoStaff]:
    """One account per role (Giao Phong has every role; Bạch Long a leader and an office clerk)."""
    prefix = USERNAME_PREFIX[commune_id]
    return [
        DemoStaff(commune_id, f"{prefix}.{role.value}", name, (role,))
        for role, name in STAFF_DISPLAY_NAMES[commune_id].items()
    ]


def _weighted(rng: random.Random, table: dict[str, int]) -> str:
    return rng.choices(list(table), weights=list(table.values()))[0]


def make_phone(rng: random.Random) -> str:
    """A random +84 mobile number with a prefix a Vietnamese carrier uses."""
    prefix = rng.choice(MOBILE_PREFIXES)
    return "+84" + prefix[1:] + f"{rng.randrange(10**7):07d}"


def make_cccd(rng: random.Random, birth_year: int, sex: str, province_code: str = NAM_DINH_CCCD) -> str:
    """A 12-digit CCCD: province code, sex+century digit, two digits of the birth year, six random digits."""
    century_base = {1900: 0, 2000: 2, 2100: 4, 2200: 6, 1800: 8}[birth_year // 100 * 100]
    sex_century = century_base + (1 if sex == "female" else 0)
    return f"{province_code}{sex_century}{birth_year % 100:02d}{rng.randrange(10**6):06d}"


def make_name(rng: random.Random, sex: str) -> str:
    middle = _weighted(rng, MIDDLE_FEMALE if sex == "female" else MIDDLE_MALE)
    given = rng.choice(GIVEN_FEMALE if sex == "female" else GIVEN_MALE)
    return f"{_weighted(rng, SURNAMES)} {middle} {given}"


def _address(commune: Commune, hamlet: Hamlet, rng: random.Random) -> str:
    return (
        f"Số {rng.randint(1, 180)}, {hamlet.name}, {commune.name.replace('Xã', 'xã')}, "
        f"{commune.district.replace('Huyện', 'huyện')}, {commune.province.replace('Tỉnh', 'tỉnh')}"
    )


def demo_citizens(commune: Commune, count: int, taken_phones: set[str] | None = None) -> list[DemoCitizen]:
    """``count`` citizens of ``commune``, the same every time (RNG seeded by the commune id).

    Giao Phong's first citizen is always Nguyễn Văn An (0912 345 678); nobody else gets his name or number.
    Phone numbers in ``taken_phones`` are avoided, and the ones handed out are added to it.
    """
    rng = random.Random(f"smartcommune-demo:{commune.id}")
    taken = taken_phones if taken_phones is not None else set()
    cccds: set[str] = set()
    out: list[DemoCitizen] = []
    if commune.id == GIAO_PHONG.id:
        hamlet = commune.hamlets[0]
        cccd = make_cccd(rng, 1978, "male")
        out.append(
            DemoCitizen(
                commune.id, AN[0], AN[1], cccd, date(1978, 5, 19), "male", hamlet.id, _address(commune, hamlet, rng)
            )
        )
        taken.add(AN[1])
        cccds.add(cccd)
    while len(out) < count:
        sex = rng.choice(("male", "female"))
        name = make_name(rng, sex)
        if name == AN[0]:
            continue
        phone = make_phone(rng)
        birth_year = rng.randint(REFERENCE_YEAR - 85, REFERENCE_YEAR - 16)
        cccd = make_cccd(rng, birth_year, sex)
        if phone in taken or cccd in cccds:
            continue
        taken.add(phone)
        cccds.add(cccd)
        hamlet = rng.choice(commune.hamlets)
        birth = date(birth_year, rng.randint(1, 12), rng.randint(1, 28))
        out.append(DemoCitizen(commune.id, name, phone, cccd, birth, sex, hamlet.id, _address(commune, hamlet, rng)))
    return out


def all_demo_citizens() -> dict[str, list[DemoCitizen]]:
    """Every demo citizen by commune id, phone numbers unique across communes."""
    taken: set[str] = set()
    return {c.id: demo_citizens(c, CITIZEN_COUNTS[c.id], taken) for c in DEMO_COMMUNES}


# --------------------------------------------------------------------------- writing through the domain services


@dataclass
class SeedReport:
    communes_seeded: list[str] = field(default_factory=list)
    staff_created: int = 0
    citizens_imported: int = 0
    feedback_seeded: int = 0
    fee_invoices_seeded: int = 0
    residents_registered: int = 0
    notes: list[str] = field(default_factory=list)


def seed(services: Services) -> SeedReport:
    """Write the demo communes, staff and citizens that are missing; safe to run on every start.

    A commune whose seed marker is present is left alone (a restart costs one key look-up per commune). Without a
    marker, the commune is written first (the services refuse unknown communes), then its staff and citizens —
    both idempotent — and the marker last, so an interrupted seed is simply redone.
    """
    from smartcommune.citizens.contracts import NewCitizen
    from smartcommune.citizens.wiring import citizen_service
    from smartcommune.communes.wiring import commune_repository
    from smartcommune.identity.wiring import identity_service

    report = SeedReport()
    communes = services.get(commune_repository)
    citizens_by_commune: dict[str, list[DemoCitizen]] | None = None
    for commune in DEMO_COMMUNES:
        if DemoSeedItem.count(DEMO_SEED_PK, DemoSeedItem.sk == commune.id) and communes.get(commune.id):
            continue
        communes.put(commune)
        for staff in demo_staff(commune.id):
            services.get(identity_service).create_staff_account(
                commune.id, staff.username, staff.display_name, list(staff.roles), DEMO_PASSWORD, actor=None
            )
            report.staff_created += 1
        if citizens_by_commune is None:
            citizens_by_commune = all_demo_citizens()
        new = [
            NewCitizen(
                full_name=c.full_name,
                phone=c.phone,
                hamlet_id=c.hamlet_id,
                address=c.address,
                cccd=c.cccd,
                birth_date=c.birth_date,
            )
            for c in citizens_by_commune[commune.id]
        ]
        report.citizens_imported += services.get(citizen_service).import_citizens(commune.id, new, actor=None)
        DemoSeedItem(DEMO_SEED_PK, commune.id).save()
        report.communes_seeded.append(commune.id)
    from smartcommune_local import (
        communes_cli,
        demo_facilities,
        demo_feedback,
        demo_fees,
        demo_population,
        demo_reports,
        demo_site,
        health_demo,
    )

    for commune in (c for c in DEMO_COMMUNES if not communes_cli.merged_away(services, c.id)):  # its records live on
        report.feedback_seeded += demo_feedback.seed_feedback(services, commune)
        report.fee_invoices_seeded += demo_fees.seed_fees(services, commune).invoices
        report.residents_registered += demo_population.seed_population(services, commune)
        demo_site.seed_site(services, commune)  # the website (nothing if its directory is filled)
        demo_facilities.seed_facilities(services, commune)  # wifi points and schools (only what is missing)
        demo_reports.seed_socio_economic(services, commune)  # the province's indicators (only what is missing)
        if commune.id == GIAO_PHONG.id:
            health_demo.seed_health(services)  # the station's schedule (rewritten on every start: idempotent)
    return report


DEMO_SEED_PK = "DEMO_SEED"


class DemoSeedItem(MainTable, discriminator="demo_seed"):
    """Marks a demo commune as fully seeded (local stack only; one item per commune under ``DEMO_SEED``)."""

    merge = MergePolicy.GLOBAL

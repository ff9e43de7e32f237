"""Demo data of Giao Phong (and its smaller neighbour Bạch Long, to prove tenant isolation).

Two halves: the pure generation (communes, staff, citizens with realistic Vietnamese names, +84 mobile numbers
and valid CCCD numbers — deterministic, from a seeded RNG) and :func:`seed`, which writes what is missing through
the domain services, so seeding is idempotent and safe on every ``smartcommune up``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from smartcommune.communes.contracts import Commune, Hamlet
from smartcommune.core.contracts import Role
from smartcommune.core.table import MainTable

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
    for commune in DEMO_COMMUNES:
        report.feedback_seeded += seed_feedback(services, commune)
    return report


DEMO_SEED_PK = "DEMO_SEED"


class DemoSeedItem(MainTable, discriminator="demo_seed"):
    """Marks a demo commune as fully seeded (local stack only; one item per commune under ``DEMO_SEED``)."""


# --------------------------------------------------------------------------- demo feedback

FEEDBACK_COUNTS: dict[str, int] = {"giao-phong": 36, "bach-long": 6}

# (field, title, description, result) — what people in a coastal Red River delta commune write about.
FEEDBACK_TOPICS: tuple[tuple[str, str, str, str], ...] = (
    (
        "roads",
        "Ổ gà lớn trên đường trục xóm",
        "Đường trục xóm có nhiều ổ gà sâu, trời mưa đọng nước rất nguy hiểm.",
        "Đã vá ổ gà bằng bê tông nhựa.",
    ),
    (
        "environment",
        "Rác thải đổ trộm ven đê",
        "Có người đổ rác thải sinh hoạt ven chân đê, bốc mùi hôi thối.",
        "Đã thu gom rác và lắp biển cấm đổ rác.",
    ),
    (
        "electricity",
        "Đèn đường hỏng nhiều ngày",
        "Ba bóng đèn đường gần nhà văn hóa bị hỏng, buổi tối rất tối.",
        "Đã thay bóng đèn LED mới.",
    ),
    (
        "irrigation",
        "Kênh mương bị tắc",
        "Kênh tưới tiêu nội đồng bị bèo và rác làm tắc, nước không xuống ruộng được.",
        "Đã nạo vét, khơi thông kênh.",
    ),
    (
        "security",
        "Nhóm thanh niên tụ tập gây ồn",
        "Nhóm thanh niên tụ tập uống rượu, nẹt pô xe máy lúc nửa đêm.",
        "Công an xã đã tuần tra và nhắc nhở.",
    ),
    (
        "public_services",
        "Chậm trả kết quả hồ sơ",
        "Hồ sơ đăng ký khai sinh nộp một tuần nhưng chưa có kết quả.",
        "Đã trả kết quả và xin lỗi công dân.",
    ),
    (
        "health",
        "Trạm y tế thiếu thuốc",
        "Trạm y tế xã hết thuốc hạ sốt cho trẻ em, phải mua ở ngoài.",
        "Đã bổ sung thuốc từ trung tâm y tế huyện.",
    ),
    (
        "education",
        "Cổng trường xuống cấp",
        "Cổng trường tiểu học bị nghiêng, có nguy cơ đổ vào học sinh.",
        "Đã gia cố lại cổng trường.",
    ),
    (
        "other",
        "Đề nghị lắp thêm loa truyền thanh",
        "Cuối xóm không nghe rõ loa truyền thanh, đề nghị lắp thêm.",
        "Đã lắp thêm một cụm loa.",
    ),
)
# The statuses demo items end in, in rotation (published ones are rated).
FEEDBACK_PATHS: tuple[tuple[str, ...], ...] = (
    ("assign", "start", "resolve", "approve", "publish"),
    ("assign",),
    (),
    ("assign", "start"),
    ("assign", "start", "resolve"),
    ("assign", "start", "resolve", "approve", "publish"),
    ("reject",),
    ("assign", "start", "resolve", "approve"),
    ("assign", "start", "resolve", "approve", "publish"),
)


def seed_feedback(services: Services, commune: Commune) -> int:  # noqa: PLR0915 - one scripted build
    """Demo feedback of ``commune`` in every status (published ones rated), written in batches; 0 if present.

    Items are built in their final state with their timeline and written with their copies and counters by
    ``FeedbackRepository.import_many`` (no transaction per item: moto copies the table on every transaction).
    """
    import uuid
    from datetime import timedelta

    from smartcommune.citizens.wiring import citizen_repository
    from smartcommune.core.contracts import VN_TZ
    from smartcommune.feedback.contracts import Feedback, Rating, TimelineEntry
    from smartcommune.feedback.logic.feedback import (
        RULES,
        CounterDeltas,
        commune_prefix,
        counter_deltas,
        public_search_text,
        tracking_code,
    )
    from smartcommune.feedback.wiring import feedback_repository, feedback_service

    count = FEEDBACK_COUNTS.get(commune.id, 0)
    store = services.get(feedback_repository)
    ids = [uuid.uuid5(uuid.NAMESPACE_URL, f"smartcommune-demo-feedback:{commune.id}:{n}").hex for n in range(count)]
    if not ids or store.get(commune.id, ids[0]) is not None:
        return 0
    service = services.get(feedback_service)
    fields = {f.code: f for f in service.fields(commune.id)}
    people = all_demo_citizens()[commune.id][:12]
    citizens = services.get(citizen_repository)
    citizen_ids = [c.id for c in (citizens.find_by_phone(commune.id, p.phone) for p in people) if c is not None]
    rng = random.Random(f"smartcommune-demo-feedback:{commune.id}")
    now = services.clock()
    year = now.astimezone(VN_TZ).year
    prefix = commune_prefix(commune)
    rows = []
    totals = CounterDeltas()
    for n, feedback_id in enumerate(ids):
        field_code, title, description, result = FEEDBACK_TOPICS[n % len(FEEDBACK_TOPICS)]
        field_ = fields[field_code]
        created = now - timedelta(days=rng.randint(1, 28), hours=rng.randint(0, 20))
        hamlet = rng.choice(commune.hamlets)
        item = Feedback(
            id=feedback_id,
            tracking_code=tracking_code(prefix, year, store.next_number(commune.id, year)),
            commune_id=commune.id,
            citizen_id=citizen_ids[n % len(citizen_ids)] if citizen_ids else None,
            field_code=field_code,
            title=f"{title} ({hamlet.name})",
            description=description,
            hamlet_id=hamlet.id,
            anonymous_public=n % 4 == 0,
            unit=field_.unit,
            deadline_at=created + timedelta(hours=field_.deadline_hours),
            created_at=created,
            updated_at=created,
            timeline=[TimelineEntry(at=created, status="received", action="submit", actor_role="citizen")],
        )
        at = created
        for step in FEEDBACK_PATHS[n % len(FEEDBACK_PATHS)]:
            at = min(at + timedelta(hours=rng.randint(4, 60)), now)
            role = {"start": field_.unit.value, "resolve": field_.unit.value, "approve": "admin"}.get(step, "office")
            changes: dict[str, object] = {"status": RULES[step].target, "updated_at": at, "version": item.version + 1}
            note = None
            if step == "resolve":
                changes.update(result=result, resolved_at=at, resolved_by="demo", resolved_role=role)
                note = result
            elif step == "publish":
                changes["published_at"] = at
            elif step == "reject":
                note = "Nội dung không thuộc thẩm quyền giải quyết của UBND xã."
                changes["rejection_reason"] = note
            entry = TimelineEntry(at=at, status=RULES[step].target, action=step, actor_role=role, note=note)
            changes["timeline"] = [*item.timeline, entry]
            item = item.model_copy(update=changes)
        if item.status == "published":
            stars = rng.choice((3, 4, 4, 5, 5, 5))
            item = item.model_copy(update={"rating": Rating(stars=stars, comment="Cảm ơn xã đã xử lý.", at=at)})
        deltas = counter_deltas(None, item)
        for day, counters in deltas.days.items():
            for name, value in counters.items():
                totals.add_day(day, name, value)
        for name, value in deltas.totals.items():
            totals.add_total(name, value)
        public = service.public_view(item) if item.status == "published" else None
        rows.append((item, public_search_text(item, field_.name), public))
    store.import_many(rows, totals)
    return len(rows)

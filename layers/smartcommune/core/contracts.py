"""Value types every feature uses: roles, commune ids, Vietnamese phone numbers and citizen ID numbers."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class Role(StrEnum):
    """Who a caller is. Staff roles follow the commune's departments."""

    CITIZEN = "citizen"
    ADMIN = "admin"  # commune leadership and system administration (chủ tịch, phó chủ tịch, quản trị)
    OFFICE = "office"  # văn phòng - thống kê
    POLICE = "police"  # công an xã
    ENVIRONMENT = "environment"  # địa chính - môi trường
    INFRASTRUCTURE = "infrastructure"  # xây dựng - giao thông - thủy lợi
    HEALTH = "health"  # trạm y tế
    SCHOOL = "school"  # trường học
    CULTURE = "culture"  # văn hóa - thông tin

    @property
    def is_staff(self) -> bool:
        return self is not Role.CITIZEN


STAFF_ROLES: frozenset[Role] = frozenset(r for r in Role if r.is_staff)

ROLE_LABELS_VI: dict[Role, str] = {
    Role.CITIZEN: "Công dân",
    Role.ADMIN: "Lãnh đạo / quản trị",
    Role.OFFICE: "Văn phòng - Thống kê",
    Role.POLICE: "Công an xã",
    Role.ENVIRONMENT: "Địa chính - Môi trường",
    Role.INFRASTRUCTURE: "Xây dựng - Giao thông - Thủy lợi",
    Role.HEALTH: "Trạm y tế",
    Role.SCHOOL: "Trường học",
    Role.CULTURE: "Văn hóa - Thông tin",
}


class Contract(BaseModel):
    """Base of request/response contracts: unknown fields are refused, strings trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


CommuneId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")]

_MOBILE = re.compile(r"^0(3[2-9]|5[25689]|7[06-9]|8[1-9]|9\d)\d{7}$")


def normalize_phone(raw: str) -> str:
    """Turn a Vietnamese mobile number as people write it into E.164 (``+849…``).

    Accepts ``0912 345 678``, ``0912.345.678``, ``84912345678`` and ``+84 912 345 678``.
    """
    digits = re.sub(r"[\s.\-()]", "", raw)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if not _MOBILE.match(digits):
        raise ValueError("phone")
    return "+84" + digits[1:]


PhoneNumber = Annotated[str, AfterValidator(normalize_phone)]

# Province codes that open a 12-digit CCCD (Circular 59/2021/TT-BCA, appendix: the 63 provinces before 2025).
CCCD_PROVINCE_CODES: frozenset[str] = frozenset(
    [
        "001",
        "002",
        "004",
        "006",
        "008",
        "010",
        "011",
        "012",
        "014",
        "015",
        "017",
        "019",
        "020",
        "022",
        "024",
        "025",
        "026",
        "027",
        "030",
        "031",
        "033",
        "034",
        "035",
        "036",
        "037",
        "038",
        "040",
        "042",
        "044",
        "045",
        "046",
        "048",
        "049",
        "051",
        "052",
        "054",
        "056",
        "058",
        "060",
        "062",
        "064",
        "066",
        "067",
        "068",
        "070",
        "072",
        "074",
        "075",
        "077",
        "079",
        "080",
        "082",
        "083",
        "084",
        "086",
        "087",
        "089",
        "091",
        "092",
        "093",
        "094",
        "095",
        "096",
    ]
)
# The fourth digit encodes sex and century: 0/1 → 1900s, 2/3 → 2000s, 4/5 → 2100s, 6/7 → 2200s, 8/9 → 1800s.
_CENTURY = {0: 1900, 1: 1900, 2: 2000, 3: 2000, 4: 2100, 5: 2100, 6: 2200, 7: 2200, 8: 1800, 9: 1800}


def validate_cccd(raw: str) -> str:
    """Check a 12-digit citizen ID: its province code, and a birth year that is not in the future."""
    cccd = re.sub(r"\s", "", raw)
    if not re.fullmatch(r"\d{12}", cccd) or cccd[:3] not in CCCD_PROVINCE_CODES:
        raise ValueError("cccd")
    birth_year = _CENTURY[int(cccd[3])] + int(cccd[4:6])
    if birth_year > datetime.now(UTC).year or birth_year < 1890:
        raise ValueError("cccd")
    return cccd


Cccd = Annotated[str, AfterValidator(validate_cccd)]


def cccd_birth_year(cccd: str) -> int:
    """The birth year encoded in a valid CCCD."""
    return _CENTURY[int(cccd[3])] + int(cccd[4:6])


def format_date_vn(value: date | datetime) -> str:
    """dd/mm/yyyy in Vietnam's time zone, as people read dates here."""
    if isinstance(value, datetime):
        value = value.astimezone(VN_TZ).date()
    return value.strftime("%d/%m/%Y")


def format_vnd(amount: int) -> str:
    """``1250000`` → ``1.250.000 ₫``."""
    return f"{amount:,}".replace(",", ".") + " ₫"

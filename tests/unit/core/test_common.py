"""Vietnamese value types: phone numbers, CCCD, diacritics, masking, formatting."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from smartcommune.core.contracts import Cccd, PhoneNumber, cccd_birth_year, format_date_vn, format_vnd
from smartcommune.core.observability import redact
from smartcommune.core.text import fold, mask_cccd, mask_phone, search_tokens

phone = TypeAdapter(PhoneNumber)
cccd = TypeAdapter(Cccd)


@pytest.mark.parametrize("raw", ["0912345678", "0912 345 678", "0912.345.678", "84912345678", "+84 912 345 678"])
def test_phone_numbers_as_people_write_them_become_e164(raw):
    assert phone.validate_python(raw) == "+84912345678"


@pytest.mark.parametrize("raw", ["012345678", "0212345678", "+1 202 555 0100", "09123456789", "abc"])
def test_non_mobile_or_foreign_numbers_are_refused(raw):
    with pytest.raises(ValidationError):
        phone.validate_python(raw)


def test_cccd_checks_province_and_birth_year():
    assert cccd.validate_python("036090001234") == "036090001234"  # Nam Định, male, born 1990
    assert cccd_birth_year("036305001234") == 2005  # female, born 2005
    for bad in ("03609000123", "999090001234", "036399001234", "03609000123a"):  # short, province, future, letter
        with pytest.raises(ValidationError):
            cccd.validate_python(bad)


def test_fold_ignores_diacritics_and_case():
    assert fold("  Nguyễn   Văn AN ") == "nguyen van an"
    assert fold("Đỗ Thị Hường") == "do thi huong"
    assert search_tokens("Xóm Đông-Thành, Giao Phong") == ["xom", "dong", "thanh", "giao", "phong"]


def test_masking_keeps_only_what_a_person_needs_to_recognise():
    assert mask_phone("+84912345678") == "091****678"
    assert mask_cccd("036090001234") == "036*******34"


def test_logs_are_redacted():
    line = redact("otp for 0912 345 678 and +84912345678, cccd 036090001234")
    assert "912" not in line and "036090001234" not in line
    assert line.count("[phone]") == 2 and "[cccd]" in line


def test_dates_and_money_in_vietnamese_conventions():
    assert format_date_vn(date(2026, 1, 5)) == "05/01/2026"
    assert format_date_vn(datetime(2026, 1, 4, 18, 30, tzinfo=UTC)) == "05/01/2026"  # 01:30 on the 5th in Hà Nội
    assert format_vnd(1250000) == "1.250.000 ₫"


def test_account_ids_in_arns_are_not_mistaken_for_citizen_ids():
    arn = "arn:aws:sqs:ap-southeast-1:123456789012:smartcommune-sms-queue"
    assert redact(arn) == arn


def test_production_refuses_the_development_hashing_key():
    from smartcommune.core.settings import Settings

    with pytest.raises(ValidationError, match="PII_HASH_KEY"):
        Settings(stage="prod")
    with pytest.raises(ValidationError, match="COMMAND_KEY"):
        Settings(stage="prod", pii_hash_key="a-real-secret-of-enough-length")
    real = Settings(stage="prod", pii_hash_key="a-real-secret-of-enough-length", command_key="another-real-secret")
    assert real.stage == "prod"

"""Pure rules of reporting: the catalog against the seed's table, periods, entry checks, the scorecard's sources
(computed, entered, missing) with in-memory stores, and the canonical JSON that is signed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from smartcommune.reporting.contracts import Computed, IndicatorValue, Scorecard
from smartcommune.reporting.logic.catalog import IndicatorCatalog, load_catalog
from smartcommune.reporting.logic.entry import problems
from smartcommune.reporting.logic.periods import indicator_period, months_back, period_label_vi, previous_period
from smartcommune.reporting.logic.scorecard import ScorecardService
from smartcommune.reporting.logic.signing import canonical

SEED_TABLE = {  # the seed's table of targets (section IV.2): code → target
    "1.1": "Đạt", "1.2": "Đạt", "1.3": "Đạt", "2.1": "Đạt", "3.1": "100%", "3.2": "Đạt", "3.3": "Đạt",
    "4.1": "85%", "4.2": "95%", "4.3": "100%", "4.4": "Đạt", "5.1": "90%", "5.2": "100%", "6.1": "Đạt", "6.2": "Đạt",
    "6.3": "Đạt", "7.1": "Đạt", "7.2": "Đạt", "8.1": "50%", "8.2": "50%", "9.1": "100%", "9.2": "Đạt", "10.1": "Đạt",
    "10.2": "Đạt", "11.1": "Đạt", "12.1": "10", "13.1": "Đạt", "16.4": "Đạt", "17": "Đạt", "18.1": "Đạt",
    "18.2": "Đạt",
}  # fmt: skip


def test_catalog_holds_the_seeds_criteria_with_their_targets_and_room_for_the_provinces_69():
    catalog = load_catalog()
    criteria = IndicatorCatalog().criteria()
    assert {c.code: c.target_text for c in criteria} == SEED_TABLE
    assert [c.code for c in criteria] == list(SEED_TABLE)
    assert catalog.capacity["tinh"] == 69 and "3445/BNN-VPĐP" in catalog.citation_vi
    assert all(c.method_vi and c.entered_by for c in catalog.indicators)
    assert next(c for c in criteria if c.code == "12.1").period_type == "yearly"


def test_periods():
    assert indicator_period("2026-11", "yearly") == "2026"
    assert indicator_period("2026-Q3", "monthly") == "2026-09"
    assert indicator_period("2026", "quarterly") == "2026-Q4"
    assert previous_period("2026-01") == "2025-12" and previous_period("2026-Q1") == "2025-Q4"
    assert months_back("2026-02", 3) == ["2025-12", "2026-01", "2026-02"]
    assert period_label_vi("2026-Q4") == "quý IV/2026" and period_label_vi("2026-03") == "tháng 03/2026"


def _value(period: str, value: float) -> IndicatorValue:
    return IndicatorValue(commune_id="gp", code="4.1", period=period, value=value, source="entered")


def test_entry_checks_range_kind_and_change_since_last_period():
    catalog = IndicatorCatalog()
    internet, met, classes = catalog.get("4.1"), catalog.get("1.1"), catalog.get("12.1")
    assert problems(internet, 87, None, None) == []
    assert "lớn hơn 100" in problems(internet, 101, None, None)[0][0]
    assert "giải thích" in problems(internet, 90, _value("2026-10", 60), None)[0][0]
    assert problems(internet, 90, _value("2026-10", 60), "Thêm trạm BTS") == []
    assert problems(met, 0.5, None, None) and problems(met, 1, None, None) == []
    assert problems(classes, 10.5, None, None) and problems(classes, 11, None, None) == []


class Values:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], IndicatorValue] = {}

    def at_or_before(self, commune_id: str, code: str, period: str) -> IndicatorValue | None:
        found = [v for (c, p), v in self.items.items() if c == code and p <= period]
        return max(found, key=lambda v: v.period) if found else None

    def before(self, commune_id: str, code: str, period: str) -> IndicatorValue | None:
        return self.at_or_before(commune_id, code, period[:-1] + chr(ord(period[-1]) - 1))

    def series(self, commune_id: str, code: str, start: str, end: str) -> list[IndicatorValue]:
        return sorted(
            (v for (c, p), v in self.items.items() if c == code and start <= p <= end), key=lambda v: v.period
        )

    def put(self, value: IndicatorValue, audit: object) -> None:
        self.items[(value.code, value.period)] = value


class Snapshots:
    def __init__(self) -> None:
        self.cards: dict[str, Scorecard] = {}

    def get(self, commune_id: str, month: str) -> Scorecard | None:
        return self.cards.get(month)

    def put(self, scorecard: Scorecard) -> None:
        self.cards[scorecard.month] = scorecard

    def between(self, commune_id: str, first: str, last: str) -> list[Scorecard]:
        return [c for m, c in sorted(self.cards.items()) if first <= m <= last]


def test_scorecard_prefers_computed_then_entered_and_keeps_past_months():
    now = [datetime(2026, 11, 10, 3, tzinfo=UTC)]
    values, snapshots = Values(), Snapshots()
    calls: list[str] = []

    def directory(commune_id: str, period: str) -> Computed | None:  # the public directory's count (3.1)
        calls.append(period)
        return Computed(value=100.0, detail_vi="Tính từ danh bạ cán bộ công khai: 24/24")

    def not_yet(commune_id: str, period: str) -> Computed | None:
        return None

    service = ScorecardService(
        catalog=IndicatorCatalog(),
        values=values,
        snapshots=snapshots,
        providers={"3.1": directory, "9.1": not_yet},
        clock=lambda: now[0],
    )
    values.put(_value("2026-10", 80), None)
    card = service.scorecard("gp")
    by = {c.code: c for c in card.criteria}
    assert (by["3.1"].source, by["3.1"].met) == ("computed", True)
    assert by["4.1"].source == "entered" and by["4.1"].value == 80 and "kỳ 2026-10" in by["4.1"].source_detail_vi
    assert by["9.1"].source == "missing" and "chưa tính được" in by["9.1"].source_detail_vi
    assert card.met_count == 1 and card.total == 31
    # December: November is served as it stood, without computing it again
    now[0] = datetime(2026, 12, 2, 3, tzinfo=UTC)
    calls.clear()
    assert service.scorecard("gp", "2026-11") == card and calls == []
    assert [s.value for s in service.history("gp", "4.1", 2)] == [80, 80]
    with pytest.raises(Exception, match="month has not come"):
        service.scorecard("gp", "2027-01")


def test_canonical_json_is_rfc_8785():
    # Keys sorted by UTF-16 code units, no whitespace, ECMAScript number forms, non-ASCII kept as UTF-8
    doc = {"b": [1.0, 1e21, 0.000001], "a": "Đạt", "é": None, "A": True}
    assert canonical(doc) == '{"A":true,"a":"Đạt","b":[1,1e+21,0.000001],"é":null}'.encode()


def test_kms_answers_are_read_without_cryptography_as_cryptography_reads_them():
    # The Lambda layer has no `cryptography`: the KMS signer reads DER signatures and the public key by hand
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    from smartcommune.reporting.logic.signing import jwk_from_point, point_from_spki, public_jwk, raw_from_der

    key = ec.generate_private_key(ec.SECP256R1())
    for n in range(20):
        der = key.sign(f"message {n}".encode(), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        assert raw_from_der(der) == r.to_bytes(32, "big") + s.to_bytes(32, "big")
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert jwk_from_point(*point_from_spki(spki)) == public_jwk(key.public_key())
    with pytest.raises(ValueError):
        raw_from_der(der[:-1])
    with pytest.raises(ValueError):
        point_from_spki(spki[1:])

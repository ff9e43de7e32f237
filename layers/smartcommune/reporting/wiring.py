"""Factories of reporting's services (pattern: ``smartcommune.core.wiring``) and the registry of computed indicators.

A criterion the platform can compute has a provider here: ``PROVIDERS`` maps an indicator code to a factory
``(services) -> Provider`` that reaches the other capability through that capability's wiring only. Another
capability adds its own with :func:`register_provider` (e.g. the public directory's count for 3.1) — at import time
of its wiring, or in this table at merge time.

Keys: locally under ``<data dir>/reports/`` (the data dir is where the SMS outbox lives: ``DATA_DIR`` of the local
stack, a temporary folder in tests); in AWS, KMS and Secrets Manager (``storage.keys``, ``docs/reporting.md``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune.core.principal import Principal
    from smartcommune.core.services import Services
    from smartcommune.core.settings import Settings
    from smartcommune.reporting.contracts import Computed
    from smartcommune.reporting.logic.catalog import IndicatorCatalog
    from smartcommune.reporting.logic.ports import PdfSigner, Provider, Signer
    from smartcommune.reporting.logic.reports import ReportService
    from smartcommune.reporting.logic.scorecard import ScorecardService
    from smartcommune.reporting.storage.repositories import ReportRepository, SnapshotRepository, ValueRepository

ProviderFactory = Callable[["Services"], "Provider"]


def _system_caller(services: Services, commune_id: str) -> Principal:
    """Reporting reads other capabilities' figures as the commune's system, not as a person."""
    from smartcommune.core.contracts import Role
    from smartcommune.core.principal import Principal

    return Principal(
        subject_id="system:reporting",
        kind="staff",
        roles=frozenset({Role.ADMIN}),
        commune_id=commune_id,
        display_name="Hệ thống báo cáo",
        session_id="system",
        expires_at=services.clock() + timedelta(minutes=5),
    )


def _month_days(period: str, today: date) -> tuple[date, date]:
    start = date(int(period[:4]), int(period[5:7]), 1)
    end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return start, min(end, today)


def feedback_satisfaction(services: Services) -> Provider:
    """1.2: the commune has software data on satisfaction: ratings citizens gave on handled feedback this month."""
    from smartcommune.core.contracts import VN_TZ
    from smartcommune.feedback.wiring import feedback_service
    from smartcommune.reporting.contracts import Computed

    def compute(commune_id: str, period: str) -> Computed | None:
        today = services.clock().astimezone(VN_TZ).date()
        start, end = _month_days(period, today)
        if start > today:
            return None
        stats = services.get(feedback_service).stats(_system_caller(services, commune_id), start, end)
        average = f", trung bình {stats.average_rating:.1f}/5".replace(".", ",") if stats.average_rating else ""
        return Computed(
            value=1.0 if stats.ratings_count else 0.0,
            detail_vi=f"Tính từ phản ánh - kiến nghị: {stats.ratings_count} lượt đánh giá hài lòng "
            f"trong {period}{average}",
            evidence=f"GET /feedback/stats?from={start.isoformat()}&to={end.isoformat()}",
        )

    return compute


def broadcast_deliveries(services: Services) -> Provider:
    """1.3: information reached people this month: bulletins delivered (loudspeakers, SMS alerts to subscribers)."""
    from smartcommune.broadcast.wiring import broadcast_stats
    from smartcommune.reporting.contracts import Computed

    def compute(commune_id: str, period: str) -> Computed | None:
        month = services.get(broadcast_stats).period(commune_id, period)
        programs = int(month.get("programs", 0))
        played = sum(int(n) for n in month.get("played", {}).values())
        return Computed(
            value=1.0 if programs else 0.0,
            detail_vi=f"Tính từ bản tin đã phát trong {period}: {programs} bản tin, {played} lượt loa phát xong",
            evidence=f"broadcast: thống kê tháng {period}",
        )

    return compute


def _fees_criteria(services: Services, commune_id: str) -> object | None:
    from smartcommune.core.errors import SmartCommuneError
    from smartcommune.fees.wiring import fee_service

    try:
        return services.get(fee_service).criteria(_system_caller(services, commune_id), None)
    except SmartCommuneError:
        return None


def fees_online_households(services: Services) -> Provider:
    """8.1: households paying online at least once in 12 months, of those invoiced (the fee ledger)."""
    from smartcommune.reporting.contracts import Computed

    def compute(commune_id: str, period: str) -> Computed | None:
        report = _fees_criteria(services, commune_id)
        billed = sum(f.households_billed for f in getattr(report, "c81_by_fee", []))
        if report is None or not billed:
            return None
        share = round(float(getattr(report, "c81_share", 0.0)) * 100, 1)
        return Computed(
            value=share,
            detail_vi=f"Tính từ sổ thu phí: {share:g}% hộ được lập hóa đơn đã trả trực tuyến (12 tháng)",
            evidence="GET /fees/criteria",
        )

    return compute


def fees_online_businesses(services: Services) -> Provider:
    """8.2: registered businesses accepting online payment (the fee ledger's business list)."""
    from smartcommune.reporting.contracts import Computed

    def compute(commune_id: str, period: str) -> Computed | None:
        report = _fees_criteria(services, commune_id)
        businesses = int(getattr(report, "c82_businesses", 0) or 0)
        if report is None or not businesses:
            return None
        online = int(getattr(report, "c82_online", 0))
        share = round(online / businesses * 100, 1)
        return Computed(
            value=share,
            detail_vi=f"Tính từ danh sách cơ sở kinh doanh: {online}/{businesses} nhận thanh toán trực tuyến",
            evidence="GET /fees/criteria",
        )

    return compute


def telehealth_records(services: Services) -> Provider:
    """9.1: population with a health record kept by the health station's software.

    With the commune's population on its profile this is two reads (the count of records, the profile); without
    it, telehealth's own criterion (which counts the register) is asked.
    """
    from smartcommune.communes.wiring import commune_repository
    from smartcommune.reporting.contracts import Computed
    from smartcommune.telehealth.wiring import record_repository, record_service

    def compute(commune_id: str, period: str) -> Computed | None:
        commune = services.get(commune_repository).get(commune_id)
        if commune is not None and commune.population:
            with_record, population, base = (
                services.get(record_repository).patients_with_record(commune_id),
                commune.population,
                "dân số của xã",
            )
        else:
            found = services.get(record_service).criterion_91(commune_id)
            if found.share is None:
                return None
            with_record, population, base = found.with_record, found.population, "người trong sổ đăng ký"
        return Computed(
            value=round(with_record / population * 100, 1),
            detail_vi=f"Tính từ hồ sơ sức khỏe điện tử: {with_record}/{population} {base}",
            evidence="GET /health/criteria/9.1",
        )

    return compute


def facilities_wifi_coverage(services: Services) -> Provider:
    """4.3: public places with a free wifi point in service, from the facilities' wifi register."""
    from smartcommune.facilities.wiring import facilities_summary
    from smartcommune.reporting.contracts import Computed

    def compute(commune_id: str, period: str) -> Computed | None:
        wifi = services.get(facilities_summary).wifi(commune_id)
        if wifi.coverage_pct is None:  # no point registered: the value staff entered stands
            return None
        missing = f"; chưa có: {', '.join(wifi.uncovered)}" if wifi.uncovered else ""
        return Computed(
            value=wifi.coverage_pct,
            detail_vi=f"Tính từ sổ điểm wifi: {wifi.public_places_covered}/{wifi.public_places} điểm công cộng có "
            f"wifi miễn phí đang hoạt động{missing}",
            evidence=f"GET /communes/{commune_id}/facilities/wifi",
        )

    return compute


def _school_criterion(field: str, what_vi: str) -> ProviderFactory:
    """10.1 / 10.2: met (1) when every school's latest school year has ``field``, from the facilities' schools."""

    def factory(services: Services) -> Provider:
        from smartcommune.facilities.wiring import facilities_summary
        from smartcommune.reporting.contracts import Computed

        def compute(commune_id: str, period: str) -> Computed | None:
            found = services.get(facilities_summary).school_criterion(commune_id, field)
            if found is None:
                return None
            return Computed(
                value=1.0 if found.met else 0.0,
                detail_vi=f"Tính từ số liệu các trường: {found.having}/{found.schools} trường {what_vi} "
                f"(năm học {', '.join(found.school_years)})",
                evidence=f"GET /communes/{commune_id}/facilities/schools",
            )

        return compute

    return factory


PROVIDERS: dict[str, ProviderFactory] = {
    "1.2": feedback_satisfaction,
    "1.3": broadcast_deliveries,
    "4.3": facilities_wifi_coverage,
    "8.1": fees_online_households,
    "8.2": fees_online_businesses,
    "9.1": telehealth_records,
    "10.1": _school_criterion("has_management_software", "có phần mềm quản trị nhà trường"),
    "10.2": _school_criterion("has_digital_equipment", "có thiết bị, phần mềm dạy học số"),
}
"""Indicator code → the factory of its provider. Add a capability's figure here (or with register_provider)."""


def register_provider(code: str, factory: ProviderFactory) -> None:
    """Plug another capability's figure for ``code`` in (the scorecard uses it from the next services built)."""
    PROVIDERS[code] = factory


class _Guarded:
    """A provider whose failure (a capability not set up for this commune) reads as "not computed"."""

    def __init__(self, code: str, inner: Provider) -> None:
        self._code = code
        self._inner = inner

    def __call__(self, commune_id: str, period: str) -> Computed | None:
        from smartcommune.core.errors import SmartCommuneError

        try:
            return self._inner(commune_id, period)
        except SmartCommuneError:
            return None


def providers(services: Services) -> dict[str, Provider]:
    return {code: _Guarded(code, factory(services)) for code, factory in PROVIDERS.items()}


# ---------------------------------------------------------------- storage


def value_repository(services: Services) -> ValueRepository:
    from smartcommune.audit.wiring import audit_repository
    from smartcommune.core.wiring import bound_table
    from smartcommune.reporting.storage.repositories import ValueRepository

    services.get(bound_table)
    return ValueRepository(services.get(audit_repository))


def snapshot_repository(services: Services) -> SnapshotRepository:
    from smartcommune.core.wiring import bound_table
    from smartcommune.reporting.storage.repositories import SnapshotRepository

    services.get(bound_table)
    return SnapshotRepository()


def report_repository(services: Services) -> ReportRepository:
    from smartcommune.audit.wiring import audit_repository
    from smartcommune.core.wiring import bound_table
    from smartcommune.reporting.storage.repositories import ReportRepository

    services.get(bound_table)
    return ReportRepository(services.get(audit_repository))


# ---------------------------------------------------------------- keys


def reports_dir(settings: Settings) -> Path:
    """``<data dir>/reports``: beside the SMS outbox's folder (``<data dir>/outbox/sms.jsonl``)."""
    if settings.report_keys_dir:
        return Path(settings.report_keys_dir)
    return Path(settings.outbox_path).resolve().parent.parent / "reports"


def report_signer(services: Services) -> Signer:
    """ES256: KMS when ``report_kms_key_id`` is set (AWS), else the local key file."""
    settings = services.settings
    if settings.report_kms_key_id:
        from smartcommune.core.aws import client
        from smartcommune.reporting.storage.kms import KmsSigner

        return KmsSigner(client("kms", settings), settings.report_kms_key_id)
    try:
        from smartcommune.reporting.storage.keys import LocalSigner
    except ImportError:  # the Lambda layer signs with KMS only (docs/reporting.md)
        from smartcommune.core.errors import ConflictError

        raise ConflictError(
            "Chưa cấu hình khóa ký báo cáo (KMS) cho máy chủ này.",
            "No report signing key (KMS) is configured for this server.",
        ) from None
    return LocalSigner(reports_dir(settings) / "jws-signing-key.pem")


def pdf_signer(services: Services) -> PdfSigner:
    """PAdES: the commune's certificate bundle when configured (AWS), else the local demo CA's."""
    settings = services.settings
    try:
        from smartcommune.reporting.storage.keys import bundle_pades_signer, local_pades_signer
    except ImportError:  # cryptography / pyHanko are not in the Lambda layer (docs/reporting.md)
        from smartcommune.core.errors import ConflictError

        raise ConflictError(
            "Máy chủ này chưa có bộ ký PDF; hãy dùng bản ký số JWS.",
            "PDF signing is not available on this server; use the JWS.",
        ) from None
    bundle = settings.secret("report_pdf_signer")
    if bundle:
        return bundle_pades_signer(bundle)
    return local_pades_signer(reports_dir(settings) / "demo-ca")


# ---------------------------------------------------------------- public services


class _CommuneNames:
    def __init__(self, services: Services) -> None:
        self._services = services

    def name_of(self, commune_id: str) -> str:
        from smartcommune.communes.wiring import commune_repository

        commune = self._services.get(commune_repository).get(commune_id)
        return commune.name if commune is not None else commune_id


def indicator_catalog(services: Services) -> IndicatorCatalog:
    """The indicator catalog (public: the dashboard's socio-economic tile lists the province's indicators)."""
    from smartcommune.reporting.logic.catalog import IndicatorCatalog

    return IndicatorCatalog()


def scorecards(services: Services) -> ScorecardService:
    """The criteria scorecard and its monthly history (public: the dashboard and the province API use it)."""
    from smartcommune.reporting.logic.catalog import IndicatorCatalog
    from smartcommune.reporting.logic.scorecard import ScorecardService

    return ScorecardService(
        catalog=IndicatorCatalog(),
        values=services.get(value_repository),
        snapshots=services.get(snapshot_repository),
        providers=services.get(providers),
        clock=services.clock,
    )


def reports(services: Services) -> ReportService:
    """Reports, their workflow and signed copies (public: the province API, the CLI and the demo seeder use it)."""
    from smartcommune.fees.wiring import receipt_font
    from smartcommune.reporting.logic.catalog import IndicatorCatalog
    from smartcommune.reporting.logic.reports import ReportService

    return ReportService(
        catalog=IndicatorCatalog(),
        scorecards=services.get(scorecards),
        store=services.get(report_repository),
        values=services.get(value_repository),
        signer=lambda: services.get(report_signer),
        pdf_signer=lambda: services.get(pdf_signer),
        communes=_CommuneNames(services),
        clock=services.clock,
        font_path=receipt_font(services.settings.receipt_font_path),
    )

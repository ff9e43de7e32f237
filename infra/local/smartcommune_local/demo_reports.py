"""Demo reports of Giao Phong: the criteria the platform cannot compute entered with evidence (from the commune's
pilot plan), last month's report prepared by the office, approved and sent by the chairman — so that
``smartcommune report export --latest`` has a signed report on a fresh stack — and a few months of scorecards.

Idempotent: a commune with a sent report signed by the current key is left alone. The demo data cache restores
the table but not the local signing key (it lives in DATA_DIR): a sent report signed by a key the stack no longer
publishes is corrected (reason stated) and sent again, so the latest sent report always verifies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcommune.communes.contracts import Commune
    from smartcommune.core.principal import Principal
    from smartcommune.core.services import Services

# Criteria the platform does not compute, as the commune's pilot plan and its records state them (value, evidence).
DEMO_VALUES: dict[str, tuple[float, str]] = {
    "1.1": (1, "Cổng dịch vụ công tỉnh Nam Định: 12 thủ tục trực tuyến một phần của xã"),
    "2.1": (1, "API tỉnh /province/v1 (chữ ký SigV4), kết nối với Sở TT&TT"),
    "3.1": (100, "Trang thông tin điện tử xã: chuyên mục danh bạ cán bộ"),
    "3.2": (1, "QĐ số 45/QĐ-UBND thành lập Tổ công nghệ số cộng đồng (11 tổ, 55 thành viên)"),
    "3.3": (1, "Nhóm Zalo “NTM Giao Phong” của 11 xóm"),
    "4.1": (87, "Báo cáo của VNPT, Viettel Nam Định: 2.146/2.467 hộ có thuê bao Internet"),
    "4.2": (100, "Viettel Nam Định: phủ sóng 4G toàn xã"),
    "4.3": (100, "6/6 điểm công cộng có wifi miễn phí (UBND, nhà văn hóa, chợ, trạm y tế, 2 điểm du lịch)"),
    "4.4": (1, "Hệ thống quản lý dữ liệu xã SmartCommune"),
    "5.1": (91, "Tổng hợp điều tra hộ các xóm tháng 10/2026"),
    "5.2": (100, "Danh sách cán bộ xã, xóm sử dụng điện thoại thông minh"),
    "6.1": (1, "Hệ thống SmartCommune: chỉ tiêu kinh tế - xã hội"),
    "6.2": (1, "Ứng dụng SmartCommune cho người dân"),
    "6.3": (1, "Chuyên mục du lịch nông nghiệp và sản phẩm OCOP trên trang thông tin xã"),
    "7.1": (1, "HTX nông, ngư, diêm nghiệp Giao Phong: truy xuất nguồn gốc bằng mã QR"),
    "7.2": (1, "Gian hàng lạc, khoai tây Giao Phong trên sàn thương mại điện tử"),
    "9.2": (1, "Trạm y tế: máy tính, camera, loa phục vụ khám từ xa"),
    "10.1": (1, "Phần mềm quản trị trường học (3 trường), tuyển sinh đầu cấp trực tuyến"),
    "10.2": (1, "Phần mềm học trực tuyến, phòng học thông minh tại trường THCS"),
    "11.1": (1, "Lịch thu gom rác và thu phí môi trường trên ứng dụng"),
    "12.1": (11, "Danh sách 11 lớp kỹ năng số năm 2026 (ngày, nội dung, số học viên)"),
    "13.1": (1, "Sản phẩm OCOP bán qua sàn thương mại điện tử"),
    "16.4": (1, "Lịch thu gom rác theo xóm trên ứng dụng; thanh toán phí qua VietQR"),
    "17": (1, "Bản tin phòng chống thiên tai phát trên loa và SMS"),
    "18.1": (1, "32 camera an ninh, phần mềm giám sát thông minh"),
    "18.2": (1, "Phản ánh an ninh trật tự qua ứng dụng SmartCommune"),
    # The platform's figures where its demo data does not hold them (no deliveries or ratings yet, say).
    "1.2": (1, "Phần mềm phản ánh - kiến nghị: đánh giá hài lòng của người dân"),
    "1.3": (1, "Bản tin trên loa truyền thanh và SMS cảnh báo"),
    "8.1": (52, "Sổ thu phí: hộ thanh toán trực tuyến"),
    "8.2": (55, "Danh sách cơ sở kinh doanh nhận thanh toán trực tuyến"),
    "9.1": (100, "Hồ sơ sức khỏe điện tử của trạm y tế"),
}
HISTORY_MONTHS = 6

# The province's commune indicators (catalog set "tinh") for the last two years: code → {year offset: value},
# with the evidence an office would cite. The last year's population and households are the plan's figures.
SOCIO_ECONOMIC: dict[str, tuple[dict[int, float], str]] = {
    "T01": ({-2: 6798, -1: 6835}, "Biểu tổng hợp dân số trung bình năm (sổ hộ tịch của xã)"),
    "T02": ({-2: 2451, -1: 2467}, "Biểu tổng hợp số hộ dân cư (sổ hộ tịch của xã)"),
    "T03": ({-2: 1.46, -1: 1.14}, "Quyết định công nhận kết quả rà soát hộ nghèo, hộ cận nghèo cuối năm"),
}


def _principal(services: Services, username: str) -> Principal:
    from smartcommune.identity.wiring import authenticate, identity_service
    from smartcommune_local.demo_data import DEMO_PASSWORD

    issued = services.get(identity_service).staff_login(username, DEMO_PASSWORD, "127.0.0.1")
    return authenticate(services, issued.token)


def seed_reports(services: Services, commune_id: str = "giao-phong") -> str | None:
    """Make sure the commune has a sent report the current key verifies; return its id (None if nothing done)."""
    from smartcommune.core.errors import NotFoundError
    from smartcommune.reporting.contracts import Correction, EnteredValue, Fill, NewReport
    from smartcommune.reporting.logic.periods import current_month, months_back, previous_month
    from smartcommune.reporting.wiring import report_signer, reports, scorecards
    from smartcommune_local.demo_data import USERNAME_PREFIX

    service = services.get(reports)
    key_id = services.get(report_signer).key_id
    try:
        latest = service.latest_sent(commune_id)
    except NotFoundError:
        latest = None
    if latest is not None and latest.key_id == key_id:
        return None
    prefix = USERNAME_PREFIX[commune_id]
    office = _principal(services, f"{prefix}.office")
    admin = _principal(services, f"{prefix}.admin")
    if latest is not None:
        report = service.correct(
            office,
            latest.id,
            Correction(reason="Khóa ký của hệ thống cục bộ đã thay đổi: ký và gửi lại / the local signing key changed"),
        )
    else:
        month = previous_month(current_month(services.clock()))
        try:
            report = service.get_report(commune_id, f"monthly-{month}")
        except NotFoundError:
            report = service.open(office, NewReport(period=month))
    if report.status == "draft":
        missing = [line.code for line in report.lines if line.value is None and line.code in DEMO_VALUES]
        if missing:
            values = [
                EnteredValue(code=c, value=DEMO_VALUES[c][0], evidence=DEMO_VALUES[c][1], explanation="Số liệu mẫu")
                for c in missing
            ]
            report = service.fill(office, report.id, Fill(values=values))
        report = service.submit(office, report.id, "Văn phòng trình báo cáo tháng")
    if report.status == "submitted":
        report = service.approve(admin, report.id, "Đồng ý")
    if report.status == "approved":
        report = service.send(admin, report.id, "Gửi UBND huyện và Sở NN&PTNT")
    cards = services.get(scorecards)
    for month in months_back(current_month(services.clock()), HISTORY_MONTHS)[:-1]:
        cards.scorecard(commune_id, month)  # kept as that month's snapshot
    return report.id


def seed_socio_economic(services: Services, commune: Commune) -> int:
    """Giao Phong's province indicators of the last two years, entered by the office (a period already entered is
    left as it is); returns the values written."""
    from datetime import UTC, datetime

    from smartcommune.core.contracts import VN_TZ, Role
    from smartcommune.core.principal import Principal
    from smartcommune.reporting.contracts import NewValue
    from smartcommune.reporting.wiring import reports, value_repository

    if commune.id != "giao-phong":
        return 0
    office = Principal(
        subject_id="demo-office",
        kind="staff",
        roles=frozenset({Role.OFFICE}),
        commune_id=commune.id,
        display_name="Vũ Thị Hương (Văn phòng - Thống kê)",
        session_id="demo-seed",
        expires_at=datetime(2100, 1, 1, tzinfo=UTC),
    )
    this_year = services.clock().astimezone(VN_TZ).year
    written = 0
    for code, (by_offset, evidence) in SOCIO_ECONOMIC.items():
        for offset, value in sorted(by_offset.items()):
            period = str(this_year + offset)
            if services.get(value_repository).series(commune.id, code, period, period):
                continue
            new = NewValue(code=code, period=period, value=value, evidence=evidence)
            services.get(reports).enter_value(office, new)
            written += 1
    return written

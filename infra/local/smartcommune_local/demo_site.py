"""Demo data of Giao Phong's website: the officials' directory, OCOP products and agri-tourism places, two news
articles — written through the website's own services, so they are audited and indexed like staff's.

The people are invented (demo names, numbers and ``@giaophong.example`` addresses, never real contacts); the
positions follow the commune's structure in the seed plan (section on the People's Committee and its officers),
the products its OCOP and key products (seafood processing: dried mackerel, squid and fish cakes, peeled shrimp;
fish sauce, clams; the 32.4 ha potato model) and the places its cultural sites (Đình Vuông, chùa Bình An, chùa Bảo
Hoa).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from smartcommune.core.contracts import Role

if TYPE_CHECKING:
    from smartcommune.communes.contracts import Commune
    from smartcommune.core.principal import Principal
    from smartcommune.core.services import Services

EMAIL = "giaophong.example"

# (name, position, unit, work phone, e-mail user): the People's Committee first, then its officers.
OFFICIALS: tuple[tuple[str, str, str, str | None, str | None], ...] = (
    ("Trần Văn Thịnh", "Chủ tịch UBND xã", "Ủy ban nhân dân xã", "0228 3999 001", "chutich"),
    (
        "Nguyễn Văn Tuấn",
        "Phó Chủ tịch UBND xã (phụ trách kinh tế)",
        "Ủy ban nhân dân xã",
        "0228 3999 002",
        "pct.kinhte",
    ),
    (
        "Đinh Thị Mai",
        "Phó Chủ tịch UBND xã (phụ trách văn hóa - xã hội)",
        "Ủy ban nhân dân xã",
        "0228 3999 003",
        "pct.vanhoa",
    ),
    ("Phạm Đức Mạnh", "Trưởng Công an xã", "Công an xã", "0228 3999 113", "congan"),
    ("Lưu Văn Cường", "Chỉ huy trưởng Ban Chỉ huy Quân sự xã", "Ban Chỉ huy Quân sự xã", "0228 3999 005", "quansu"),
    ("Vũ Thị Hương", "Công chức Văn phòng - Thống kê", "Văn phòng - Thống kê", "0228 3999 010", "vanphong"),
    (
        "Trần Thị Ngọc",
        "Công chức Văn phòng - Thống kê (Bộ phận Một cửa)",
        "Văn phòng - Thống kê",
        "0228 3999 011",
        "motcua",
    ),
    (
        "Đỗ Văn Lâm",
        "Công chức Địa chính - Môi trường",
        "Địa chính - Xây dựng - Môi trường",
        "0228 3999 020",
        "diachinh",
    ),
    (
        "Nguyễn Quang Hải",
        "Công chức Xây dựng - Giao thông - Thủy lợi",
        "Địa chính - Xây dựng - Môi trường",
        "0228 3999 021",
        "xaydung",
    ),
    ("Bùi Thị Hạnh", "Công chức Tài chính - Kế toán", "Tài chính - Kế toán", "0228 3999 030", "ketoan"),
    ("Phạm Văn Khánh", "Công chức Tư pháp - Hộ tịch", "Tư pháp - Hộ tịch", "0228 3999 040", "tuphap"),
    ("Mai Văn Sơn", "Công chức Văn hóa - Xã hội", "Văn hóa - Xã hội", "0228 3999 050", "vanhoa"),
    ("Hoàng Thị Lan", "Trạm trưởng Trạm y tế xã", "Trạm y tế xã", "0228 3999 115", "tramyte"),
    ("Vũ Văn Đông", "Cán bộ phụ trách Nông thôn mới", "Ủy ban nhân dân xã", "0228 3999 060", "nongthonmoi"),
)

# Giao Phong lies at about 20.23 N, 106.50 E (Giao Thủy, on the coast).
OCOP: tuple[dict[str, Any], ...] = (
    {"name": "Cá thu một nắng Giao Phong", "product": "Cá thu một nắng", "ocop_stars": 4, "hamlet_id": "bac-hai",
     "producer": "HTX nông, ngư, diêm nghiệp Giao Phong", "location": {"lat": 20.2412, "lon": 106.5121},
     "description": "Cá thu đánh bắt ven biển Giao Thủy, làm sạch, tẩm ướp và phơi một nắng."},
    {"name": "Chả mực Giao Phong", "product": "Chả mực giã tay", "ocop_stars": 3, "hamlet_id": "bac-hai",
     "producer": "Hộ kinh doanh chế biến hải sản Bắc Hải", "location": {"lat": 20.2405, "lon": 106.5098},
     "description": "Mực tươi giã tay, không chất bảo quản; bảo quản đông lạnh."},
    {"name": "Tôm bóc nõn Giao Phong", "product": "Tôm bóc nõn", "ocop_stars": 3, "hamlet_id": "dong-thanh",
     "producer": "Tổ hợp tác chế biến thủy sản Đông Thành", "location": {"lat": 20.2367, "lon": 106.5185},
     "description": "Tôm biển luộc, bóc nõn, phơi khô theo cách truyền thống."},
    {"name": "Chả cá thu Giao Phong", "product": "Chả cá thu", "ocop_stars": 3, "hamlet_id": "nam-phong",
     "producer": "HTX nông, ngư, diêm nghiệp Giao Phong", "location": {"lat": 20.2311, "lon": 106.5067},
     "description": "Chả cá thu rán vàng, làm từ cá thu tươi trong ngày."},
    {"name": "Nước mắm cá cơm Giao Phong", "product": "Nước mắm cốt cá cơm", "ocop_stars": 3, "hamlet_id": "nam-phong",
     "producer": "Cơ sở nước mắm Nam Phong", "location": {"lat": 20.2298, "lon": 106.5043},
     "description": "Cá cơm biển ủ chượp với muối hạt Giao Thủy từ 12 đến 18 tháng."},
    {"name": "Ngao trắng Giao Phong", "product": "Ngao trắng sạch", "ocop_stars": 3, "hamlet_id": "dong-thanh",
     "producer": "HTX nuôi trồng thủy sản Giao Phong", "location": {"lat": 20.2334, "lon": 106.5302},
     "description": "Ngao nuôi ở bãi bồi ven biển, được làm sạch cát trước khi bán."},
)  # fmt: skip

TOURISM: tuple[dict[str, Any], ...] = (
    {"name": "Đình Vuông", "hamlet_id": "trung-phong", "location": {"lat": 20.2352, "lon": 106.4996},
     "opening_hours": "Cả ngày; lễ hội đầu xuân tháng Giêng",
     "description": "Di tích lịch sử - văn hóa cấp tỉnh, nơi thờ Thành hoàng làng."},
    {"name": "Chùa Bình An", "hamlet_id": "tay-son", "location": {"lat": 20.2285, "lon": 106.4952},
     "opening_hours": "5:00–19:00 hằng ngày", "description": "Di tích lịch sử cấp tỉnh, ngôi chùa cổ của xã."},
    {"name": "Chùa Bảo Hoa", "hamlet_id": "trung-phong", "location": {"lat": 20.2379, "lon": 106.5021},
     "opening_hours": "5:00–19:00 hằng ngày", "description": "Di tích lịch sử cấp tỉnh."},
    {"name": "Cánh đồng khoai tây vụ đông", "hamlet_id": "tay-son", "location": {"lat": 20.2263, "lon": 106.4911},
     "opening_hours": "Tháng 11 đến tháng 2, ban ngày",
     "description": "Mô hình sản xuất khoai tây 32,4 ha theo chuỗi giá trị, được chứng nhận an toàn thực phẩm; "
                    "du khách có thể tham gia thu hoạch cùng nông dân."},
)  # fmt: skip

ARTICLES: tuple[tuple[str, str, str], ...] = (
    (
        "Giao Phong khởi động mô hình xã nông thôn mới thông minh",
        "Xã Giao Phong được chọn thí điểm mô hình xã nông thôn mới thông minh giai đoạn 2023–2025.",
        "Theo Đề xuất mô hình thí điểm được phê duyệt, xã Giao Phong sẽ triển khai Trung tâm điều hành, ứng dụng "
        "Công dân số, hệ thống truyền thanh thông minh với 20 cụm loa, 20 điểm wifi miễn phí và camera an ninh.\n\n"
        "Trang thông tin điện tử của xã được nâng cấp với danh bạ cán bộ công khai và chuyên mục giới thiệu sản "
        "phẩm OCOP, điểm du lịch nông nghiệp, nông thôn.",
    ),
    (
        "Tập huấn kỹ năng số cho người dân các xóm",
        "Tổ công nghệ số cộng đồng các xóm hướng dẫn người dân dùng dịch vụ công trực tuyến và thanh toán không "
        "dùng tiền mặt.",
        "Trong năm, xã tổ chức các lớp tập huấn kỹ năng số cho người dân trong độ tuổi lao động tại nhà văn hóa "
        "các xóm.\n\nNội dung gồm: cài đặt và sử dụng ứng dụng Công dân số Giao Phong, gửi phản ánh kiến nghị, nộp "
        "hồ sơ dịch vụ công trực tuyến, thanh toán phí bằng mã VietQR.",
    ),
)


def _principal(commune_id: str, role: Role, name: str) -> Principal:
    from smartcommune.core.principal import Principal

    return Principal(
        subject_id=f"demo-{role.value}",
        kind="staff",
        roles=frozenset({role}),
        commune_id=commune_id,
        display_name=name,
        session_id="demo-seed",
        expires_at=datetime(2100, 1, 1, tzinfo=UTC),
    )


def seed_site(services: Services, commune: Commune) -> int:
    """The demo website of Giao Phong (other communes get none); nothing if its directory is already filled.

    Returns the number of entries written. Each create carries a fixed request key, so an interrupted seed run
    again writes only what is missing.
    """
    from smartcommune.site.contracts import ArticleTransition, NewArticle, NewOfficial, NewPlace
    from smartcommune.site.wiring import directory, news, places

    if commune.id != "giao-phong" or services.get(directory).summary(commune.id).officials:
        return 0
    office = _principal(commune.id, Role.OFFICE, "Vũ Thị Hương (Văn phòng - Thống kê)")
    culture = _principal(commune.id, Role.CULTURE, "Mai Văn Sơn (Văn hóa - Thông tin)")
    chairman = _principal(commune.id, Role.ADMIN, "Trần Văn Thịnh (Chủ tịch UBND xã)")
    written = 0
    for rank, (name, position, unit, phone, email) in enumerate(OFFICIALS, start=1):
        new = NewOfficial(
            full_name=name,
            position=position,
            unit=unit,
            work_phone=phone,
            work_email=f"{email}@{EMAIL}" if email else None,
            rank=rank * 10,
        )
        services.get(directory).create(office, new, f"demo-official-{rank:02d}")
        written += 1
    for n, place in enumerate(OCOP, start=1):
        services.get(places).create(culture, NewPlace(kind="ocop", published=True, **place), f"demo-ocop-{n:02d}")
        written += 1
    for n, place in enumerate(TOURISM, start=1):
        services.get(places).create(culture, NewPlace(kind="tourism", published=True, **place), f"demo-place-{n:02d}")
        written += 1
    service = services.get(news)
    for n, (title, summary, body) in enumerate(ARTICLES, start=1):
        article = service.create(culture, NewArticle(title=title, summary=summary, body=body), f"demo-article-{n:02d}")
        if article.status == "draft":
            article = service.transition(
                culture, article.id, ArticleTransition(action="submit", version=article.version)
            )
        if article.status == "in_review":
            service.transition(chairman, article.id, ArticleTransition(action="publish", version=article.version))
        written += 1
    return written

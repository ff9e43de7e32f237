"""Demo feedback of the demo communes: what people in a coastal Red River delta commune write about, in every status
of the handling workflow, written in batches through the feedback capability's repository (idempotent).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from smartcommune_local.demo_data import all_demo_citizens

if TYPE_CHECKING:
    from smartcommune.communes.contracts import Commune
    from smartcommune.core.services import Services

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


def seed_feedback(  # noqa: PLR0915 - one scripted build
    services: Services,
    commune: Commune,
    *,
    count: int | None = None,
    phones: list[str] | None = None,
    days: int = 28,
) -> int:
    """Demo feedback of ``commune`` in every status (published ones rated), written in batches; 0 if present.

    ``count`` items (the demo's :data:`FEEDBACK_COUNTS` by default) by the citizens with ``phones`` (the first
    demo citizens by default), spread over the last ``days`` days (the merger benchmark asks for a year).

    Items are built in their final state with their timeline and written with their copies and counters by
    ``FeedbackRepository.import_many`` (no transaction per item: moto copies the table on every transaction).
    """
    import uuid
    from datetime import timedelta

    from smartcommune.citizens.wiring import citizen_repository
    from smartcommune.core.contracts import VN_TZ
    from smartcommune.feedback.contracts.records import Feedback, Rating, TimelineEntry
    from smartcommune.feedback.logic.codes import commune_prefix, public_search_text, tracking_code
    from smartcommune.feedback.logic.counters import CounterDeltas, counter_deltas
    from smartcommune.feedback.logic.rules import RULES
    from smartcommune.feedback.wiring import feedback_repository, feedback_service

    count = FEEDBACK_COUNTS.get(commune.id, 0) if count is None else count
    store = services.get(feedback_repository)
    ids = [uuid.uuid5(uuid.NAMESPACE_URL, f"smartcommune-demo-feedback:{commune.id}:{n}").hex for n in range(count)]
    if not ids or store.get(commune.id, ids[0]) is not None:
        return 0
    service = services.get(feedback_service)
    fields = {f.code: f for f in service.fields(commune.id)}
    if phones is None:
        phones = [p.phone for p in all_demo_citizens()[commune.id][:12]]
    citizens = services.get(citizen_repository)
    citizen_ids = [c.id for c in (citizens.find_by_phone(commune.id, phone) for phone in phones) if c is not None]
    rng = random.Random(f"smartcommune-demo-feedback:{commune.id}")
    now = services.clock()
    year = now.astimezone(VN_TZ).year
    prefix = commune_prefix(commune)
    rows = []
    totals = CounterDeltas()
    for n, feedback_id in enumerate(ids):
        field_code, title, description, result = FEEDBACK_TOPICS[n % len(FEEDBACK_TOPICS)]
        field_ = fields[field_code]
        created = now - timedelta(days=rng.randint(1, days), hours=rng.randint(0, 20))
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

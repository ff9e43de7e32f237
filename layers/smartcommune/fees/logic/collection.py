"""Waste-collection use cases: the hamlets' routes, changes announced through the alert channels, the public
schedule and iCalendar feeds, and missed collections reported as feedback (field ``environment``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from smartcommune.core.contracts import VN_TZ, format_date_vn
from smartcommune.core.errors import InvalidInputError, NotFoundError
from smartcommune.fees.contracts import (
    CalendarLink,
    HamletSchedule,
    MissedCollection,
    NewWasteChange,
    WasteChange,
    WasteChangeResult,
    WasteRoute,
)
from smartcommune.fees.logic import waste

if TYPE_CHECKING:
    from smartcommune.broadcast.contracts import NewBulletin
    from smartcommune.communes.contracts import Commune
    from smartcommune.core.principal import Principal
    from smartcommune.feedback.contracts.requests import NewFeedback
    from smartcommune.fees.logic.ports import CommuneDirectory, WasteStore

FEED_DAYS_BACK = 7
FEED_DAYS_AHEAD = 120
ENVIRONMENT_FIELD = "environment"


class Announcer(Protocol):
    """Drafts a bulletin as the caller (broadcast's service: the two-person rule then applies)."""

    def draft(self, caller: Principal, new: NewBulletin) -> tuple[str, str]: ...


class FeedbackIntake(Protocol):
    """Submits feedback as the caller (feedback's service)."""

    def submit(self, caller: Principal, new: NewFeedback, idempotency_key: str) -> dict[str, Any]: ...


def calendar_path(commune_id: str, hamlet_id: str) -> str:
    return f"/public/waste/{commune_id}/{hamlet_id}/calendar.ics"


class WasteService:
    def __init__(
        self,
        *,
        clock: Callable[[], datetime],
        store: WasteStore,
        communes: CommuneDirectory,
        announcer: Callable[[], Announcer],
        feedback: Callable[[], FeedbackIntake],
        public_base_url: str,
    ) -> None:
        self._clock = clock
        self._store = store
        self._communes = communes
        self._announcer = announcer
        self._feedback = feedback
        self._base = public_base_url.rstrip("/")

    def _commune(self, commune_id: str) -> Commune:
        commune = self._communes.get(commune_id)
        if commune is None:
            raise NotFoundError("Không tìm thấy xã.", "No such commune.")
        return commune

    def _hamlet_name(self, commune: Commune, hamlet_id: str) -> str:
        hamlet = commune.hamlet(hamlet_id)
        if hamlet is None:
            raise NotFoundError("Không tìm thấy xóm.", "No such hamlet.")
        return hamlet.name

    def today(self) -> date:
        return self._clock().astimezone(VN_TZ).date()

    # ------------------------------------------------------------ staff

    def put_route(self, caller: Principal, route: WasteRoute) -> WasteRoute:
        commune = self._commune(caller.commune_id)
        self._hamlet_name(commune, route.hamlet_id)
        if route.end <= route.start or any(not 0 <= d <= 6 for d in route.weekdays):
            raise InvalidInputError(
                "Giờ kết thúc phải sau giờ bắt đầu; thứ trong tuần từ 0 (thứ Hai) đến 6 (Chủ nhật).",
                "The end is after the start; weekdays run from 0 (Monday) to 6 (Sunday).",
            )
        self._store.put_route(caller.commune_id, route)
        return route

    def change(self, caller: Principal, new: NewWasteChange) -> WasteChangeResult:
        """Move or cancel one day's collection in a hamlet, and draft its announcement for approval."""
        commune = self._commune(caller.commune_id)
        hamlet_name = self._hamlet_name(commune, new.hamlet_id)
        if new.moved_to is not None and new.moved_to == new.day:
            raise InvalidInputError("Ngày mới trùng ngày cũ.", "The new day is the old one.")
        change = WasteChange(**new.model_dump(), created_by=caller.subject_id, created_at=self._clock())
        bulletin_id = status = None
        if new.announce:
            from smartcommune.broadcast.contracts import Channels, NewBulletin, Target

            when = f"chuyển sang ngày {format_date_vn(new.moved_to)}" if new.moved_to else "tạm ngừng, không thu gom bù"
            text = f"Lịch thu gom rác {hamlet_name} ngày {format_date_vn(new.day)} {when}. Lý do: {new.reason}."
            bulletin = NewBulletin(
                headline=f"Thay đổi lịch thu gom rác {hamlet_name}",
                text=text,
                category="Env",
                event="Thay đổi lịch thu gom rác",
                target=Target(scope="hamlets", hamlets=[new.hamlet_id]),
                channels=Channels(speakers=True, portal=True, sms=True, cap=False),
            )
            bulletin_id, status = self._announcer().draft(caller, bulletin)
            change = change.model_copy(update={"bulletin_id": bulletin_id})
        self._store.put_change(caller.commune_id, change)
        return WasteChangeResult(change=change, bulletin_id=bulletin_id, bulletin_status=status)

    # ------------------------------------------------------------ public

    def calendars(self, commune_id: str | None) -> list[CalendarLink]:
        ids = [commune_id] if commune_id else self._communes.all_ids()
        out: list[CalendarLink] = []
        for cid in ids:
            commune = self._commune(cid)
            out += [
                CalendarLink(
                    hamlet=h.id,
                    name=f"Lịch thu gom rác {h.name}, {commune.name}",
                    url=self._base + calendar_path(cid, h.id),
                    commune_id=cid,
                )
                for h in commune.hamlets
            ]
        return out

    def schedule(self, commune_id: str, hamlet_id: str, days: int = 28) -> HamletSchedule:
        commune = self._commune(commune_id)
        name = self._hamlet_name(commune, hamlet_id)
        routes = [r for r in self._store.routes(commune_id) if r.hamlet_id == hamlet_id]
        today = self.today()
        upcoming = waste.collections(
            routes, self._store.changes(commune_id), hamlet_id, today, today + timedelta(days=days)
        )
        return HamletSchedule(
            commune_id=commune_id,
            hamlet_id=hamlet_id,
            hamlet_name=name,
            routes=routes,
            upcoming=upcoming,
            calendar_url=self._base + calendar_path(commune_id, hamlet_id),
        )

    def ical(self, commune_id: str, hamlet_id: str) -> str:
        commune = self._commune(commune_id)
        name = self._hamlet_name(commune, hamlet_id)
        today = self.today()
        items = waste.collections(
            self._store.routes(commune_id),
            self._store.changes(commune_id),
            hamlet_id,
            today - timedelta(days=FEED_DAYS_BACK),
            today + timedelta(days=FEED_DAYS_AHEAD),
        )
        return waste.ical(commune_id, f"Lịch thu gom rác {name}", items, self._clock(), f", {name}, {commune.name}")

    # ------------------------------------------------------------ citizens

    def report_missed(self, caller: Principal, report: MissedCollection) -> dict[str, Any]:
        """A missed collection becomes a feedback item in the environment field (feedback's own workflow)."""
        from smartcommune.feedback.contracts.requests import NewFeedback

        commune = self._commune(caller.commune_id)
        name = self._hamlet_name(commune, report.hamlet_id)
        if report.day > self.today():
            raise InvalidInputError("Ngày báo chưa tới.", "That day has not come yet.")
        description = f"Xe thu gom rác không đến {name} ngày {format_date_vn(report.day)}."
        if report.details:
            description += f" {report.details}"
        new = NewFeedback(
            field_code=ENVIRONMENT_FIELD,
            title=f"Không thu gom rác ngày {format_date_vn(report.day)} ({name})",
            description=description,
            hamlet_id=report.hamlet_id,
        )
        import hashlib

        seed = f"{caller.subject_id}|{report.hamlet_id}|{report.day.isoformat()}"
        key = "waste-missed-" + hashlib.sha256(seed.encode()).hexdigest()[:32]  # one report per person and day
        return self._feedback().submit(caller, new, key)

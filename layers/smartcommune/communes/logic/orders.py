"""Mergers the province orders through its signed API: checked and recorded at once (audited on every old
commune's chain), run by the merge function from a queue.

A merger of real communes takes longer than an API request may (tens of thousands of records): the request
records the order, answers ``202`` and queues it; the merge function runs :class:`CommuneMerger` and, when its
time runs out, leaves the message to come again — the run resumes where it stopped. Ordering the same merger
again answers the same order (and queues it again, so a lost message cannot strand it); a different merger into
the same commune is refused while one is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from smartcommune.communes.contracts import MergeOrder, MergeRequest, MergeRun, MergeStatus
from smartcommune.communes.logic.merger import mergeable
from smartcommune.core.errors import ConflictError, ForbiddenError, NotFoundError

if TYPE_CHECKING:
    from smartcommune.communes.contracts import Commune
    from smartcommune.communes.logic.merger import CommuneProfiles, MergeRuns


class OrderStore(Protocol):
    def get(self, new_id: str) -> MergeOrder | None: ...

    def create(self, order: MergeOrder) -> bool:
        """False when an order for that commune exists already (nothing written)."""
        ...

    def put(self, order: MergeOrder) -> None: ...


class OrderAudit(Protocol):
    def ordered(self, order: MergeOrder, communes: list[Commune]) -> None:
        """One entry on each named commune's chain: who ordered which merger."""
        ...


class OrderQueue(Protocol):
    def send(self, new_id: str) -> None: ...


def status_of(order: MergeOrder, run: MergeRun | None) -> MergeStatus:
    state = run.state if run is not None else ("failed" if order.failed else "ordered")
    if order.failed and run is not None and run.state != "done":
        state = "failed"
    return MergeStatus(
        new_commune=order.request.new_id,
        state=state,
        request=order.request,
        ordered_by_label=order.ordered_by_label,
        ordered_at=order.ordered_at,
        started_at=run.started_at if run else None,
        finished_at=run.finished_at if run else None,
        failed=order.failed,
        failed_en=order.failed_en,
        summary=run.summary if run and run.state == "done" else None,
    )


class MergeOrders:
    """Orders, their status, and what the merge function reads and reports (public via ``communes.wiring``)."""

    def __init__(
        self,
        *,
        profiles: CommuneProfiles,
        orders: OrderStore,
        runs: MergeRuns,
        audit: OrderAudit,
        queue: OrderQueue,
        clock: Callable[[], datetime],
    ) -> None:
        self._profiles = profiles
        self._orders = orders
        self._runs = runs
        self._audit = audit
        self._queue = queue
        self._clock = clock

    def order(
        self, request: MergeRequest, *, client_id: str, client_label: str, province_id: str
    ) -> tuple[MergeStatus, bool]:
        """Record and queue the merger (the caller has checked the client may); ``True`` when newly ordered."""
        found = self._orders.get(request.new_id)
        if found is None:
            olds, target = mergeable(request, self._profiles)  # 4xx before anything is written
            order = MergeOrder(
                request=request,
                ordered_by=client_id,
                ordered_by_label=client_label,
                province_id=province_id,
                ordered_at=self._clock(),
            )
            if self._orders.create(order):
                self._audit.ordered(order, olds + ([target] if target is not None else []))
                self._queue.send(request.new_id)
                return status_of(order, None), True
            found = self._orders.get(request.new_id)  # ordered a moment ago by a concurrent request
            assert found is not None
        if found.request != request or found.province_id != province_id:
            raise ConflictError(
                f"Đã có lệnh sáp nhập khác vào xã {request.new_id}; theo dõi hoặc hoàn tất lệnh đó trước.",
                f"Another merger into {request.new_id} is on record; follow it or finish it first.",
            )
        run = self._runs.get(request.new_id)
        if found.failed is None and (run is None or run.state not in ("done", "rolled_back")):
            self._queue.send(request.new_id)  # a lost message must not strand it; the run is idempotent
        return status_of(found, run), False

    def status(self, new_id: str, province_id: str) -> MergeStatus:
        """The order's status for a client of the province that ordered it (403 for another province's: mergers
        are public resolutions, the order's progress is the ordering province's business)."""
        found = self._orders.get(new_id)
        if found is None:
            raise NotFoundError(f"Không có lệnh sáp nhập nào vào xã {new_id}.", f"No merger into {new_id} was ordered.")
        if found.province_id != province_id:
            raise ForbiddenError(
                "Lệnh sáp nhập này do tỉnh khác ra; khóa truy cập của tỉnh bạn không theo dõi được.",
                "Another province ordered this merger; your province's access key cannot follow it.",
            )
        return status_of(found, self._runs.get(new_id))

    def pending(self, new_id: str) -> MergeOrder | None:
        """The order the merge function should run now (none once it failed to start)."""
        found = self._orders.get(new_id)
        return found if found is not None and found.failed is None else None

    def fail(self, new_id: str, message: str, message_en: str) -> None:
        """The merger stopped on a check (a record type without policy, records missing): kept for a person."""
        found = self._orders.get(new_id)
        if found is not None:
            self._orders.put(found.model_copy(update={"failed": message, "failed_en": message_en}))

"""What a province client reads and asks of its communes, through the reporting capability's ports: the monthly
rollup of every entitled commune's scorecard, indicator series by month range, and ad hoc report requests made
idempotent by the client's ``Idempotency-Key``."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from smartcommune.core.errors import ConflictError, InvalidInputError, SmartCommuneError
from smartcommune.province.contracts import RollupEntry, ScorecardRollup

if TYPE_CHECKING:
    from smartcommune.communes.contracts import Commune
    from smartcommune.province.contracts import ProvinceClient
    from smartcommune.reporting.contracts import Report, ReportRequest, Scorecard

VN_OFFSET = timedelta(hours=7)  # Asia/Ho_Chi_Minh has no daylight saving time
MAX_SERIES_MONTHS = 60
ROLLUP_WORKERS = 16  # scorecards are I/O-bound (DynamoDB round trips): overlap them, bounded


class Scorecards(Protocol):
    def scorecard(self, commune_id: str, month: str | None = None) -> Scorecard: ...


class Requests(Protocol):
    def request_report(self, commune_id: str, request: ReportRequest, requested_by: str) -> Report: ...


@dataclass(frozen=True)
class EarlierClaim:
    """What an earlier request with the same Idempotency-Key left: its hash, and its answer once it has one."""

    request_hash: str
    response: str | None


class Claims(Protocol):
    def claim(self, access_key_id: str, key: str, request_hash: str, now: datetime) -> EarlierClaim | None: ...

    def complete(self, access_key_id: str, key: str, response: str) -> None: ...

    def release(self, access_key_id: str, key: str) -> None: ...


def current_month(now: datetime) -> str:
    return (now.astimezone(UTC) + VN_OFFSET).strftime("%Y-%m")


def _index(month: str) -> int:
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def series_range(start: str | None, end: str | None, now: datetime) -> tuple[str, str]:
    """``start``..``end`` (YYYY-MM, inclusive); without them the 12 months ending this month (Vietnam time)."""
    last = end or current_month(now)
    first = start or _month(_index(last) - 11)
    if _index(first) > _index(last):
        raise InvalidInputError("Tháng bắt đầu (from) sau tháng kết thúc (to).", "`from` is after `to`.")
    if _index(last) - _index(first) + 1 > MAX_SERIES_MONTHS:
        raise InvalidInputError(
            f"Mỗi lần chỉ đọc tối đa {MAX_SERIES_MONTHS} tháng.", f"At most {MAX_SERIES_MONTHS} months per request."
        )
    return first, last


def rollup(
    client: ProvinceClient, communes: Iterable[Commune], scorecards: Scorecards, month: str | None, now: datetime
) -> ScorecardRollup:
    """Every entitled commune's scorecard for ``month``, fetched concurrently; a commune whose scorecard cannot be
    made is listed as unavailable, not the whole rollup refused."""
    ordered = sorted(communes, key=lambda c: c.id)

    def one(commune: Commune) -> RollupEntry:
        try:
            card = scorecards.scorecard(commune.id, month)
        except SmartCommuneError:
            return RollupEntry(commune_id=commune.id, name=commune.name, status="unavailable")
        return RollupEntry(commune_id=commune.id, name=commune.name, status="ok", scorecard=card)

    if month is not None and month > current_month(now):
        raise InvalidInputError("Tháng chưa tới.", "That month has not come yet.")
    with ThreadPoolExecutor(max_workers=max(1, min(ROLLUP_WORKERS, len(ordered)))) as pool:
        entries = list(pool.map(one, ordered))
    return ScorecardRollup(province_id=client.province_id, month=month, communes=entries)


class ReportRequests:
    """``POST …/report-requests``: the first request with a key creates the report; a retry with the same key and
    the same request gets the same answer; the same key for a different request is a conflict."""

    def __init__(self, claims: Claims, reports: Requests, clock: Callable[[], datetime]) -> None:
        self._claims = claims
        self._reports = reports
        self._clock = clock

    def request(
        self, client: ProvinceClient, commune_id: str, key: str, body: bytes, request: ReportRequest
    ) -> tuple[str, bool]:
        """The answer (the report as JSON) and whether it is a replay of an earlier answer."""
        digest = hashlib.sha256(commune_id.encode() + b"\n" + body).hexdigest()
        earlier = self._claims.claim(client.access_key_id, key, digest, self._clock())
        if earlier is not None:
            if earlier.request_hash != digest:
                raise ConflictError(
                    "Idempotency-Key này đã được dùng cho một yêu cầu khác.",
                    "This Idempotency-Key was already used for a different request.",
                )
            if earlier.response is None:
                raise ConflictError(
                    "Yêu cầu với Idempotency-Key này đang được xử lý; hãy thử lại sau ít giây.",
                    "A request with this Idempotency-Key is still being processed; retry in a few seconds.",
                )
            return earlier.response, True
        try:
            report = self._reports.request_report(
                commune_id, request, requested_by=f"{client.province_id}/{client.access_key_id}"
            )
        except Exception:
            self._claims.release(client.access_key_id, key)
            raise
        answer = report.model_dump_json()
        self._claims.complete(client.access_key_id, key, answer)
        return answer, False

"""Merging hamlets inside a commune (the seed's 11 xóm became 5): the new hamlet list with its history, and how a
record naming an old hamlet is rewritten to name the merged one.

Records are rewritten first (each once, through the tenant index, and again harmlessly if the run is repeated),
the commune's profile last, with the old hamlets kept as the merged one's ``former`` entries and an audit entry.
Counters by hamlet and by day (``rh_<hamlet>``) stay as they were counted: history under the names of the time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, Protocol

from smartcommune.communes.contracts import (
    Commune,
    FormerHamlet,
    Hamlet,
    HamletMergeRequest,
    HamletMergeSummary,
)
from smartcommune.communes.logic.merger import MOVE, Item
from smartcommune.core.errors import InvalidInputError, NotFoundError

KEYED_BY_HAMLET = ("HAMLET", "ALERTSUBS")  # key segments followed by a hamlet id


def merged_hamlets(commune: Commune, request: HamletMergeRequest) -> Commune:
    """``commune`` with ``request.old_ids`` replaced by one hamlet that remembers them."""
    olds = [commune.hamlet(h) for h in request.old_ids]
    missing = [h for h, found in zip(request.old_ids, olds, strict=True) if found is None]
    if missing or len(set(request.old_ids)) != len(request.old_ids):
        raise InvalidInputError(
            f"Xóm không thuộc {commune.name} hoặc bị lặp: {', '.join(missing) or 'lặp'}.",
            f"Hamlets not in {commune.name}, or repeated: {', '.join(missing) or 'repeated'}.",
        )
    if request.into_id not in request.old_ids and commune.hamlet(request.into_id) is not None:
        raise InvalidInputError(
            f"Mã xóm '{request.into_id}' đã có; hãy chọn mã mới hoặc một trong các xóm được sáp nhập.",
            f"Hamlet id '{request.into_id}' exists; choose a new id or one of the merged hamlets.",
        )
    until = request.effective - timedelta(days=1)
    former: list[FormerHamlet] = []
    for old in (h for h in olds if h is not None):
        former += old.former
        if old.id != request.into_id or old.name != request.name:
            former.append(FormerHamlet(id=old.id, name=old.name, until=until, resolution=request.resolution))
    merged = Hamlet(id=request.into_id, name=request.name, former=former)
    hamlets: list[Hamlet] = []
    for hamlet in commune.hamlets:
        if hamlet.id in request.old_ids:
            if merged not in hamlets:
                hamlets.append(merged)
        else:
            hamlets.append(hamlet)
    return commune.model_copy(update={"hamlets": hamlets})


def rewrite_hamlets(item: Item, old_ids: Iterable[str], into: str) -> Item:
    """``item`` naming ``into`` wherever it named one of ``old_ids``: attribute, key segments, documents."""
    olds = set(old_ids)
    out = dict(item)
    value = _text(out, "hamlet_id")
    if value in olds:
        out["hamlet_id"] = {"S": into}
    for name in ("PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK"):
        key = _text(out, name)
        if key is not None:
            parts = key.split("#")
            rewritten = [
                into if i and parts[i - 1] in KEYED_BY_HAMLET and p in olds else p for i, p in enumerate(parts)
            ]
            if rewritten != parts:
                out[name] = {"S": "#".join(rewritten)}
    reach = _text(out, "reach")
    if reach is not None and olds & set(reach.split()):
        words = list(dict.fromkeys(into if w in olds else w for w in reach.split()))
        out["reach"] = {"S": " " + " ".join(words) + " "}
    for name in ("document", "command_json"):
        text = _text(out, name)
        if text is not None and text[:1] == "{":
            out[name] = {"S": _rewrite_document(text, olds, into)}
    return out


def _text(item: Item, name: str) -> str | None:
    value = item.get(name)
    return value.get("S") if isinstance(value, dict) else None


def _rewrite_document(text: str, olds: set[str], into: str) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        return text
    changed, data = _rewrite(data, olds, into)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) if changed else text


def _rewrite(value: Any, olds: set[str], into: str) -> tuple[bool, Any]:
    if isinstance(value, dict):
        changed = False
        out: dict[str, Any] = {}
        for key, inner in value.items():
            if key == "hamlet_id" and inner in olds:
                out[key], changed = into, True
            elif key == "hamlets" and isinstance(inner, list) and olds & set(inner):
                out[key], changed = list(dict.fromkeys(into if h in olds else h for h in inner)), True
            else:
                sub, out[key] = _rewrite(inner, olds, into)
                changed = changed or sub
        return changed, out
    if isinstance(value, list):
        results = [_rewrite(v, olds, into) for v in value]
        return any(c for c, _ in results), [v for _, v in results]
    return False, value


class HamletRecords(Protocol):
    def rewrite(
        self, tenant: str, policy_of: Callable[[str], str], rewrite: Callable[[Item], Item]
    ) -> dict[str, int]: ...


class HamletProfiles(Protocol):
    def profile(self, commune_id: str) -> Commune | None: ...

    def put(self, commune: Commune) -> None: ...


class HamletAudit(Protocol):
    def record(
        self, commune_id: str, before: list[Hamlet], after: list[Hamlet], request: HamletMergeRequest
    ) -> None: ...


class HamletMerger:
    def __init__(
        self,
        *,
        profiles: HamletProfiles,
        records: HamletRecords,
        audit: HamletAudit,
        policy_of: Callable[[str], str],
        clock: Callable[[], datetime],
    ) -> None:
        self._profiles = profiles
        self._records = records
        self._audit = audit
        self._policy_of = policy_of
        self._clock = clock

    def merge(self, request: HamletMergeRequest) -> HamletMergeSummary:
        commune = self._profiles.profile(request.commune_id)
        if commune is None or commune.merged_into is not None:
            raise NotFoundError(f"Không tìm thấy xã {request.commune_id}.", f"No commune {request.commune_id}.")
        merged = merged_hamlets(commune, request)  # refuses a bad request before anything is written
        rewritten = self._records.rewrite(
            request.commune_id,
            # only records a merger would move name hamlets as live data; the audit trail keeps what it said
            lambda kind: MOVE if self._policy_of(kind) == MOVE else "keep",
            lambda item: rewrite_hamlets(item, request.old_ids, request.into_id),
        )
        self._profiles.put(merged)
        self._audit.record(request.commune_id, commune.hamlets, merged.hamlets, request)
        return HamletMergeSummary(commune_id=request.commune_id, into=request.into_id, rewritten=rewritten)

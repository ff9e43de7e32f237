"""Merging communes: the new profile, how a record is re-keyed, and the run that moves every record once.

A merger is a resumable state machine kept in one durable record (:class:`MergeRun`):

``moving``     every record of each old commune, by its type's :class:`MergePolicy`: moved (re-keyed once under the
               new commune, atomically with the delete of the old copy), kept (audit chains, counters by period:
               the old commune's history) or dropped (codes that expire anyway). The old profiles already point at
               the new commune (``status = merging``), so sessions, links and Open311 ids resolve to it while
               records move: nothing stops serving.
``sealing``    each old audit chain ends with an entry naming the merger, its head anchored; the new commune's
               chain records the sealed heads.
``verifying``  counts per type after = before (moved + kept), old profiles become aliases (``merged``).
``done``

Run again with the same request at any point and it continues where it stopped; ``rollback`` moves the records
back and restores the profiles, up to the sealing (after it, the merger is on the audit record for good).

Long because: the run's phases, its resume/rollback rules and the pure re-keying of a record belong together.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, Literal, Protocol

from smartcommune.communes.contracts import Commune, Hamlet, MergeRequest, MergeRun, MergeState, MergeSummary
from smartcommune.core.errors import ConflictError, InvalidInputError, NotFoundError

# The attribute values a merger rewrites. Keys: a commune's partitions start ``C#<id>#``; sort keys of the
# indexes may name the commune as one ``#`` segment (``<deadline>#<commune>#<bulletin>``).
PARTITION_KEYS = ("PK", "GSI1PK", "GSI2PK")
SORT_KEYS = ("SK", "GSI1SK", "GSI2SK")
KEY_ATTRIBUTES = frozenset({*PARTITION_KEYS, *SORT_KEYS, "TENANT", "MERGED_FROM"})

MOVE, KEEP, DROP, GLOBAL = "move", "keep", "drop", "global"

# Attribute values as DynamoDB's low-level API shapes them: {"S": "..."}, {"N": "1"}, {"L": [...]} …
Item = dict[str, dict[str, Any]]


# ---------------------------------------------------------------- pure: one record, one profile


def rewrite_item(item: Item, old: str, new: str) -> Item:
    """``item`` of commune ``old`` as it is stored under ``new``: keys, tenant, commune ids, documents."""
    out = dict(item)
    old_prefix, new_prefix = f"C#{old}#", f"C#{new}#"
    for name in PARTITION_KEYS:
        value = _text(out, name)
        if value is not None and value.startswith(old_prefix):
            out[name] = {"S": new_prefix + value[len(old_prefix) :]}
    for name in SORT_KEYS:
        value = _text(out, name)
        if value is not None and old in value.split("#"):
            out[name] = {"S": "#".join(new if part == old else part for part in value.split("#"))}
    if _text(out, "commune_id") == old:
        out["commune_id"] = {"S": new}
    if _text(out, "type") == "speaker" and "topic_commune" not in out:
        # A speaker keeps the topics and command key it was provisioned with: they name the old commune.
        out["topic_commune"] = {"S": old}
    for name in list(out):
        value = _text(out, name)
        if name not in KEY_ATTRIBUTES and value is not None and value[:1] in "{[":  # a contract kept as JSON
            out[name] = {"S": _rewrite_json(value, old, new)}
    out["TENANT"] = {"S": new}
    out["MERGED_FROM"] = {"S": old}
    return out


def restore_item(item: Item, old: str, new: str) -> Item:
    """The inverse of :func:`rewrite_item` for a record that came from ``old`` (a rollback)."""
    back = rewrite_item(item, new, old)
    back.pop("MERGED_FROM", None)
    return back


def _text(item: Item, name: str) -> str | None:
    value = item.get(name)
    return value.get("S") if isinstance(value, dict) else None


def _rewrite_json(text: str, old: str, new: str) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        return text
    changed, data = _rewrite_value(data, old, new)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) if changed else text


def _rewrite_value(value: Any, old: str, new: str) -> tuple[bool, Any]:
    if isinstance(value, dict):
        changed = False
        out: dict[str, Any] = {}
        for key, inner in value.items():
            if key == "commune_id" and inner == old:
                out[key], changed = new, True
                continue
            sub_changed, out[key] = _rewrite_value(inner, old, new)
            changed = changed or sub_changed
        return changed, out
    if isinstance(value, list):
        results = [_rewrite_value(v, old, new) for v in value]
        return any(c for c, _ in results), [v for _, v in results]
    return False, value


def merged_profile(request: MergeRequest, existing: Commune | None, olds: list[Commune]) -> Commune:
    """The new commune's profile: the hamlets of all, the province it now belongs to, where it came from.

    Hamlet ids are referenced by citizens, feedback and speakers, so they are kept as they are; two communes
    with the same hamlet id under different names must be renamed before merging.
    """
    hamlets: dict[str, Hamlet] = {h.id: h for h in (existing.hamlets if existing else [])}
    for old in olds:
        for hamlet in old.hamlets:
            other = hamlets.get(hamlet.id)
            if other is not None and other.name != hamlet.name:
                raise InvalidInputError(
                    f"Mã xóm '{hamlet.id}' có ở hai xã với hai tên khác nhau ({other.name}, {hamlet.name}): "
                    "hãy đổi mã một xóm trước khi sáp nhập.",
                    f"Hamlet id '{hamlet.id}' exists in two communes under different names; rename one first.",
                )
            hamlets.setdefault(hamlet.id, hamlet)
    template = existing or olds[0]
    # every commune whose records live here now, merged ones of merged ones too: their counters are read with ours
    lineage = [p for o in olds for p in (o.id, *o.predecessors)]
    predecessors = list(dict.fromkeys([*(existing.predecessors if existing else []), *lineage]))
    return template.model_copy(
        update={
            "id": request.new_id,
            "name": request.name,
            "district": "",  # two-level local government since 1/7/2025: no district
            "province_id": request.province_id,
            "province": request.province or template.province,
            "hamlets": list(hamlets.values()),
            "households": _total([existing, *olds], "households"),
            "population": _total([existing, *olds], "population"),
            "unit": request.unit or (existing.unit if existing else None),
            "status": "active",
            "merged_into": None,
            "predecessors": predecessors,
            "formed_on": request.effective,
        }
    )


def _total(communes: Iterable[Commune | None], name: str) -> int | None:
    values = [getattr(c, name) for c in communes if c is not None and getattr(c, name) is not None]
    return sum(values) if values else None


def _merged(by_origin: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    """Counts per type whatever commune the records were recorded under."""
    out: dict[str, int] = {}
    for counts in by_origin.values():
        for kind, count in counts.items():
            out[kind] = out.get(kind, 0) + count
    return out


def alias_profile(old: Commune, new_id: str, status: Literal["merging", "merged"]) -> Commune:
    return old.model_copy(update={"status": status, "merged_into": new_id})


def lost_records(before: Mapping[str, int], after: Mapping[str, int], dropped_types: Iterable[str]) -> int:
    """Records of kept or moved types that are no longer anywhere (must be 0)."""
    skip = set(dropped_types)
    return sum(max(0, count - after.get(kind, 0)) for kind, count in before.items() if kind not in skip)


# ---------------------------------------------------------------- ports


@dataclass
class MoveReport:
    moved: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    conflicts: dict[str, int] = field(default_factory=dict)


class TenantRecords(Protocol):
    """A commune's records through the tenant index (``communes.storage.merger.TenantMover``)."""

    def count(self, tenant: str) -> dict[str, dict[str, int]]: ...

    def move(
        self,
        old: str,
        new: str,
        policy_of: Callable[[str], str],
        rewrite: Callable[[Item], Item],
        *,
        only_merged_from: str | None = None,
        after_batch: Callable[[], None] | None = None,
    ) -> MoveReport: ...


class MergeRuns(Protocol):
    def get(self, new_id: str) -> MergeRun | None: ...

    def put(self, run: MergeRun) -> None: ...


class CommuneProfiles(Protocol):
    def profile(self, commune_id: str) -> Commune | None: ...

    def put(self, commune: Commune) -> None: ...

    def remove(self, commune_id: str) -> None: ...


class AuditChains(Protocol):
    """Sealing the old chains and opening the new one (``audit`` capability, through the composition root)."""

    def seal(self, old: str, new: str, effective: str) -> str: ...

    def record_merger(self, new: str, sealed: dict[str, str], effective: str) -> None: ...


# ---------------------------------------------------------------- the run


def mergeable(request: MergeRequest, profiles: CommuneProfiles) -> tuple[list[Commune], Commune | None]:
    """The old communes and the existing target (if any), or the 4xx that stops the merger before it starts."""
    if request.new_id in request.old_ids or len(set(request.old_ids)) != len(request.old_ids):
        raise InvalidInputError(
            "Danh sách xã cũ không được lặp lại và không được chứa xã mới.",
            "The old communes must be distinct and must not include the new one.",
        )
    olds: list[Commune] = []
    for old_id in request.old_ids:
        old = profiles.profile(old_id)
        if old is None:
            raise NotFoundError(f"Không tìm thấy xã {old_id}.", f"No commune {old_id}.")
        if old.status != "active" or old.merged_into is not None:
            raise ConflictError(
                f"Xã {old_id} đã được sáp nhập vào {old.merged_into}.",
                f"Commune {old_id} was merged into {old.merged_into} already.",
            )
        olds.append(old)
    existing = profiles.profile(request.new_id)
    if existing is not None and existing.merged_into is not None:
        raise ConflictError(
            f"Xã {request.new_id} đã được sáp nhập vào xã khác.", f"{request.new_id} was merged elsewhere."
        )
    return olds, existing


class CommuneMerger:
    """Runs, resumes and rolls back mergers (see the module docstring)."""

    def __init__(
        self,
        *,
        profiles: CommuneProfiles,
        runs: MergeRuns,
        records: TenantRecords,
        audit: AuditChains,
        policies: Mapping[str, str],
        clock: Callable[[], datetime],
    ) -> None:
        self._profiles = profiles
        self._runs = runs
        self._records = records
        self._audit = audit
        self._policies = dict(policies)
        self._clock = clock

    def policy_of(self, kind: str) -> str:
        policy = self._policies.get(kind)
        if policy is None:
            raise ConflictError(
                f"Loại bản ghi '{kind}' chưa khai báo cách sáp nhập; dừng lại, không chuyển gì thêm.",
                f"Record type '{kind}' declares no merge policy; stopping before moving anything more.",
            )
        return policy

    # -- the whole run

    def merge(self, request: MergeRequest, *, after_batch: Callable[[], None] | None = None) -> MergeSummary:
        """Start the merger, or resume it where it stopped; the summary once done."""
        run = self._runs.get(request.new_id)
        if run is None or run.state == "rolled_back":
            run = self._start(request)
        elif run.request != request:
            raise ConflictError(
                f"Xã {request.new_id} đang có một cuộc sáp nhập khác dở dang; hãy tiếp tục hoặc hủy nó trước.",
                f"Commune {request.new_id} has another merger under way; resume or roll it back first.",
            )
        if run.state == "moving":
            run = self._move(run, after_batch)
        if run.state == "sealing":
            run = self._seal(run)
        if run.state == "verifying":
            run = self._verify(run)
        # A finished run answers what it found when it finished (records saved since may have changed since).
        return run.summary if run.state == "done" and run.summary is not None else self.summary(run)

    def _move(self, run: MergeRun, after_batch: Callable[[], None] | None) -> MergeRun:
        new = run.request.new_id
        for old in run.request.old_ids:
            report = self._records.move(
                old, new, self.policy_of, partial(rewrite_item, old=old, new=new), after_batch=after_batch
            )
            for kind, count in report.conflicts.items():
                run.conflicts[kind] = run.conflicts.get(kind, 0) + count
        return self._advance(run, "sealing")

    def _seal(self, run: MergeRun) -> MergeRun:
        effective = run.request.effective.isoformat()
        for old in run.request.old_ids:
            if old not in run.sealed:
                run.sealed[old] = self._audit.seal(old, run.request.new_id, effective)
                self._runs.put(run)
        self._audit.record_merger(run.request.new_id, run.sealed, effective)
        return self._advance(run, "verifying")

    def _verify(self, run: MergeRun) -> MergeRun:
        new = run.request.new_id
        # A request authenticated just before the switch may have written under an old commune: sweep again.
        for old in run.request.old_ids:
            self._records.move(old, new, self.policy_of, partial(rewrite_item, old=old, new=new))
        summary = self.summary(run)
        if summary.lost:
            raise ConflictError(
                f"Sau khi chuyển còn thiếu {summary.lost} bản ghi; dừng lại để kiểm tra (chưa hoàn tất).",
                f"{summary.lost} records are missing after the move; stopped for a check (not finished).",
            )
        for old in run.request.old_ids:
            profile = self._profiles.profile(old)
            if profile is not None:
                self._profiles.put(alias_profile(profile, new, "merged"))
        run.summary = summary.model_copy(update={"state": "done"})
        return self._advance(run, "done", finished=True)

    def rollback(self, new_id: str) -> MergeSummary:
        """Undo a merger that has not reached its sealing: records back, profiles as they were."""
        run = self._runs.get(new_id)
        if run is None:
            raise NotFoundError("Không có cuộc sáp nhập nào vào xã này.", "No merger into this commune.")
        if run.state not in ("moving", "rolled_back"):
            raise ConflictError(
                "Cuộc sáp nhập đã được ghi vào nhật ký kiểm toán; chỉ có thể tiếp tục, không thể hủy.",
                "The merger is on the audit record already; it can only be resumed, not rolled back.",
            )
        # A record saved whole while the merger ran lost its ``MERGED_FROM``: with one old commune and a new
        # commune made by this merger, everything under the new one goes back; otherwise by origin only — and a
        # new commune of several old ones holding such a record cannot say whose it is: refused before anything
        # moves (the run stays resumable), never half undone.
        single = run.created_new and len(run.request.old_ids) == 1
        if run.created_new and not single:
            strays = sum(
                n for kind, n in self._records.count(new_id).get("", {}).items() if self.policy_of(kind) == MOVE
            )
            if strays:
                raise ConflictError(
                    f"{strays} bản ghi được lưu vào xã mới trong lúc sáp nhập, không xác định được thuộc xã cũ nào; "
                    "không thể hủy mà không đặt sai chỗ chúng — hãy chạy tiếp cuộc sáp nhập.",
                    f"{strays} records were saved under the new commune while the merger ran and cannot be traced to "
                    "one old commune; rolling back would misplace them — resume the merger instead.",
                )
        for old in run.request.old_ids:
            self._records.move(
                new_id,
                old,
                self.policy_of,
                partial(restore_item, old=old, new=new_id),
                only_merged_from=None if single else old,
            )
        for profile in run.before.values():
            self._profiles.put(profile)
        if run.created_new:
            self._profiles.remove(new_id)
        run = self._advance(run, "rolled_back", finished=True)
        return self.summary(run)

    # -- steps

    def _start(self, request: MergeRequest) -> MergeRun:
        olds, existing = mergeable(request, self._profiles)
        new_profile = merged_profile(request, existing, olds)
        before = {o.id: o for o in olds}
        if existing is not None:
            before[existing.id] = existing
        run = MergeRun(
            request=request,
            started_at=self._clock(),
            created_new=existing is None,
            before=before,
            counts_before={old: _merged(self._records.count(old)) for old in request.old_ids},
        )
        self._runs.put(run)  # durable before anything changes: from here on a rerun resumes
        self._profiles.put(new_profile)
        for old in olds:
            self._profiles.put(alias_profile(old, request.new_id, "merging"))
        return run

    def _advance(self, run: MergeRun, state: MergeState, *, finished: bool = False) -> MergeRun:
        run = run.model_copy(update={"state": state, "finished_at": self._clock() if finished else None})
        self._runs.put(run)
        return run

    def summary(self, run: MergeRun) -> MergeSummary:
        new = run.request.new_id
        kinds = {kind for counts in run.counts_before.values() for kind in counts}
        before: dict[str, int] = {}
        for counts in run.counts_before.values():
            for kind, count in counts.items():
                before[kind] = before.get(kind, 0) + count
        moved: dict[str, int] = {}
        kept: dict[str, int] = {}
        under_new = self._records.count(new)
        for old in run.request.old_ids:
            for kind, count in under_new.get(old, {}).items():
                moved[kind] = moved.get(kind, 0) + count
            for kind, count in _merged(self._records.count(old)).items():
                kept[kind] = kept.get(kind, 0) + count
        dropped_types = [k for k in kinds if self._policies.get(k) == DROP]
        after = {k: moved.get(k, 0) + kept.get(k, 0) for k in set(moved) | set(kept)}
        dropped = {
            k: max(0, before.get(k, 0) - after.get(k, 0)) for k in dropped_types if before.get(k, 0) > after.get(k, 0)
        }
        return MergeSummary(
            new_commune=new,
            state=run.state,
            moved=dict(sorted(moved.items())),
            kept=dict(sorted(kept.items())),
            dropped=dict(sorted(dropped.items())),
            conflicts=run.conflicts,
            counts_before=dict(sorted(before.items())),
            counts_after=dict(sorted(after.items())),
            lost=lost_records(before, after, dropped_types),
            sealed=run.sealed,
        )

"""The administrative-unit register, pure: versions by code and date, the tree at a date, what a unit is today,
addresses old and new, and search by any name a unit ever had (diacritics ignored).

The register is small (a province has ~100 commune-level units and a few hundred versions over its history), so it
is held whole in memory and indexed on load; nothing here does I/O.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from smartcommune.core.text import fold
from smartcommune.units.contracts import Address, AdminUnit, UnitDetail, UnitHit, UnitNode, UnitTree, UnitView


class RegisterError(ValueError):
    """The register's data contradicts itself (a dangling parent or successor, overlapping versions of a code)."""


class UnitRegister:
    def __init__(self, units: Iterable[AdminUnit]) -> None:
        self._by_ref: dict[str, AdminUnit] = {}
        self._by_code: dict[str, list[AdminUnit]] = defaultdict(list)
        self._children: dict[str, list[AdminUnit]] = defaultdict(list)
        self._predecessors: dict[str, list[AdminUnit]] = defaultdict(list)
        for unit in units:
            if unit.ref in self._by_ref:
                raise RegisterError(f"two units named {unit.ref}")
            self._by_ref[unit.ref] = unit
            self._by_code[unit.code].append(unit)
        for unit in self._by_ref.values():
            for ref in (unit.parent, unit.successor):
                if ref is not None and ref not in self._by_ref:
                    raise RegisterError(f"{unit.ref} names {ref}, which is not in the register")
            if unit.parent is not None:
                self._children[unit.parent].append(unit)
            if unit.successor is not None:
                self._predecessors[unit.successor].append(unit)
            if unit.valid_until is not None and unit.successor is None and unit.ended_by is None:
                raise RegisterError(f"{unit.ref} ended without a successor or a resolution")
        for code, versions in self._by_code.items():
            versions.sort(key=lambda u: u.valid_from or date.min)
            for earlier, later in itertools.pairwise(versions):
                if earlier.valid_until is None or later.valid_from is None or earlier.valid_until >= later.valid_from:
                    raise RegisterError(f"versions of {code} overlap")
        for children in self._children.values():
            children.sort(key=lambda u: (u.code, u.valid_from or date.min))

    def __len__(self) -> int:
        return len(self._by_ref)

    def get(self, ref: str) -> AdminUnit | None:
        """By ref (``14212`` or ``14212@2025-07-01``); a bare code also finds its latest version."""
        unit = self._by_ref.get(ref)
        if unit is None and ref in self._by_code:
            unit = self._by_code[ref][-1]
        return unit

    def on(self, code: str, day: date) -> AdminUnit | None:
        """The version of ``code`` in force on ``day``."""
        return next((u for u in self._by_code.get(code, ()) if u.valid_on(day)), None)

    def current(self, ref: str, today: date) -> AdminUnit:
        """What the unit is on ``today``: itself, or the unit its successors lead to."""
        unit = self._require(ref)
        seen = {unit.ref}
        while not unit.valid_on(today) and unit.successor is not None:
            unit = self._by_ref[unit.successor]
            if unit.ref in seen:
                raise RegisterError(f"the successors of {ref} go round in a circle")
            seen.add(unit.ref)
        return unit

    def path(self, ref: str) -> list[AdminUnit]:
        """From the top (province) down to the unit, each as it stood then."""
        chain = [self._require(ref)]
        while chain[-1].parent is not None:
            chain.append(self._by_ref[chain[-1].parent])
        return chain[::-1]

    def address(self, ref: str, today: date) -> Address:
        """The current address of a record made under ``ref``, with the former one when it differs."""
        recorded = self._require(ref)
        now = self.current(recorded.ref, today)
        current = _line(self.path(now.ref))
        former = _line(self.path(recorded.ref))
        return Address(current=current, former=None if former == current else former, current_ref=now.ref)

    def tree(self, day: date) -> UnitTree:
        """Every unit in force on ``day``, nested from the provinces down."""

        def node(unit: AdminUnit) -> UnitNode:
            children = [node(c) for c in self._children.get(unit.ref, ()) if c.valid_on(day)]
            return UnitNode(**UnitView.of(unit).model_dump(), children=children)

        roots = sorted((u for u in self._by_ref.values() if u.parent is None and u.valid_on(day)), key=lambda u: u.code)
        return UnitTree(on=day, provinces=[node(u) for u in roots])

    def detail(self, ref: str, today: date) -> UnitDetail:
        unit = self._require(ref)
        return UnitDetail(
            unit=UnitView.of(unit),
            path=[UnitView.of(u) for u in self.path(unit.ref)],
            current=UnitView.of(self.current(unit.ref, today)),
            address=self.address(unit.ref, today),
            predecessors=[UnitView.of(u) for u in self._predecessors.get(unit.ref, ())],
            children=[UnitView.of(u) for u in self._children.get(unit.ref, ())],
        )

    def search(self, query: str, today: date, limit: int = 20) -> list[UnitHit]:
        """Units whose name, now or ever, matches ``query`` ignoring diacritics and case ("bach long" finds Bạch
        Long, now part of Giao Bình); exact names first, then those starting with the query, then the rest. One hit
        per unit found; each says what it is today."""
        wanted = fold(query).strip()
        if not wanted:
            return []
        scored: list[tuple[int, int, str, AdminUnit]] = []
        for unit in self._by_ref.values():
            name, full = fold(unit.name), fold(unit.full_name)
            if wanted in (name, full):
                rank = 0
            elif name.startswith(wanted) or full.startswith(wanted):
                rank = 1
            elif wanted in full:
                rank = 2
            else:
                continue
            in_force = 0 if unit.valid_on(today) else 1
            scored.append((rank, in_force, unit.ref, unit))
        scored.sort(key=lambda s: s[:3])
        return [
            UnitHit(
                matched=UnitView.of(unit),
                current=UnitView.of(self.current(unit.ref, today)),
                address=self.address(unit.ref, today),
            )
            for *_, unit in scored[:limit]
        ]

    def _require(self, ref: str) -> AdminUnit:
        unit = self.get(ref)
        if unit is None:
            raise KeyError(ref)
        return unit


def _line(path: list[AdminUnit]) -> str:
    return ", ".join(u.full_name for u in reversed(path))

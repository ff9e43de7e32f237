"""``docs/access-matrix.yaml``, read strictly: a key written twice in one section is an error, not a silent
overwrite, and an entry keeps the section it sits in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from smartcommune.core.contracts import Role

MATRIX_PATH = Path(__file__).resolve().parents[3] / "docs" / "access-matrix.yaml"
LEVELS = frozenset({"all", "own", "unit"})
SIGNATURES = frozenset({"sigv4"})
SIGNED_OWNERS = frozenset({"province"})  # who answers for a signed route: not a role of the platform
ROLE_NAMES = frozenset(r.value for r in Role)


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses a mapping key written twice."""


def _unique_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


@dataclass(frozen=True)
class Entry:
    """One route's line of the matrix."""

    key: str
    section: str
    raw: dict[str, Any]

    @property
    def owner(self) -> Any:
        return self.raw.get("owner")

    @property
    def public(self) -> bool:
        return self.raw.get("public") is True

    @property
    def signed(self) -> str | None:
        """How a signed route's caller proves who it is (``sigv4``); None for a session-based or public route."""
        value = self.raw.get("signed")
        return str(value) if value is not None else None

    @property
    def access(self) -> dict[str, Any]:
        access = self.raw.get("access") or {}
        return dict(access) if isinstance(access, dict) else {}

    def level(self, role: Role) -> str | None:
        """How far ``role`` may go on this route (``None``: not listed, refused)."""
        level = self.access.get(role.value)
        return str(level) if level is not None else None


def load_matrix(path: Path = MATRIX_PATH) -> tuple[dict[str, Entry], list[str]]:
    """Every entry by ``"METHOD path"``, and what is wrong with the file's shape (a route in two sections)."""
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)  # noqa: S506 - a safe loader
    entries: dict[str, Entry] = {}
    problems: list[str] = []
    for section, routes in (document or {}).items():
        if not isinstance(routes, dict):
            problems.append(f"section {section!r} is not a mapping of routes")
            continue
        for key, raw in routes.items():
            if key in entries:
                problems.append(f"{key} is in both {entries[key].section!r} and {section!r}")
                continue
            entries[key] = Entry(str(key), str(section), raw if isinstance(raw, dict) else {})
    return entries, problems

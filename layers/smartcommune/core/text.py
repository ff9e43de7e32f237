"""Vietnamese text helpers: diacritic-insensitive folding for search, and masking of personal data."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case ``text`` and strip Vietnamese diacritics, so "Nguyễn Văn An" and "nguyen van an" compare equal.

    ``đ``/``Đ`` are letters of their own in Unicode (not ``d`` plus a mark), so they are mapped by hand.
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip().lower()


def search_tokens(text: str) -> list[str]:
    """The folded words of ``text``, for matching every word of a query against a record."""
    return [token for token in re.split(r"[^0-9a-z]+", fold(text)) if token]


def mask_phone(e164: str) -> str:
    """``+84912345678`` → ``091****678``: enough for a person to recognise their own number, no more."""
    national = "0" + e164[3:] if e164.startswith("+84") else e164
    if len(national) < 7:
        return "*" * len(national)
    return national[:3] + "*" * (len(national) - 6) + national[-3:]


def mask_cccd(cccd: str) -> str:
    """``036090001234`` → ``036*******34``: the province code and last two digits only."""
    if len(cccd) < 6:
        return "*" * len(cccd)
    return cccd[:3] + "*" * (len(cccd) - 5) + cccd[-2:]

"""How staff find citizens: the words a citizen is found by, and what a query is (see the package docstring)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from smartcommune.core.contracts import normalize_phone, validate_cccd
from smartcommune.core.text import fold, search_tokens

if TYPE_CHECKING:
    from smartcommune.citizens.contracts import Citizen


def search_text(citizen: Citizen) -> str:
    """The folded words a citizen is found by, space-delimited on both ends (``" nguyen van an xom 1 … "``).

    Name, address and phone (staff see the phone whole, to call back); never the CCCD (see the module docstring).
    """
    words = search_tokens(f"{citizen.full_name or ''} {citizen.address or ''}")
    words.append("0" + citizen.phone[3:] if citizen.phone.startswith("+84") else citizen.phone)
    return " " + " ".join(words) + " "


def query_words(q: str) -> list[str]:
    """The distinct folded words of a query."""
    return list(dict.fromkeys(search_tokens(q)))


UNIT_WORDS = frozenset({"xa", "phuong", "dac", "khu", "thi", "tran"})
"""Words of a unit's kind in its name ("Xã Giao Bình" → the name is "giao binh")."""


def without_own_commune(words: list[str], commune_name: str) -> list[str]:
    """The query's words less the words naming the caller's own commune, when the query names it whole: every
    citizen of Giao Bình lives in Giao Bình (after a merger their addresses may still say "Bạch Long"), so "giao
    binh" alone lists them all and "an giao binh" finds An there."""
    name = [w for w in search_tokens(commune_name) if w not in UNIT_WORDS]
    if not name or not set(name) <= set(words):
        return words
    return [w for w in words if w not in set(name)]


def matches(text: str, words: list[str]) -> bool:
    """Whether every query word begins some word of ``text`` (a :func:`search_text`)."""
    return all(f" {word}" in text for word in words)


def name_key(citizen: Citizen) -> str:
    """Sort key in lists: the folded name (citizens who have not given one yet come last), then the id."""
    return f"{fold(citizen.full_name) if citizen.full_name else '~'}#{citizen.id}"


QueryKind = Literal["phone", "cccd", "words"]


def classify_query(q: str) -> tuple[QueryKind, str | list[str]]:
    """A phone number (→ E.164) or a full CCCD is looked up by key; anything else is searched word by word."""
    try:
        return "phone", normalize_phone(q)
    except ValueError:
        pass
    try:
        return "cccd", validate_cccd(q)
    except ValueError:
        pass
    return "words", query_words(q)

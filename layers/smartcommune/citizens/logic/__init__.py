"""Citizen accounts (pure): profiles, staff management (search, register, lock), and the demo import.

Every method that acts for staff takes the commune from the caller's :class:`Principal`, never from input, so a
staff member of one commune cannot see or change another commune's citizens.

Search: a query that is a phone number (any common form) or a full CCCD is answered by an exact key look-up;
anything else is split into diacritic-free words, and a citizen matches when every word begins one of the
words of their name, address or phone (``"nguyen van an"`` finds ``"Nguyễn Văn An"``). The store keeps
:func:`search_text` on each citizen so the data layer can filter a query of the commune's index on it. A CCCD is
never a search word: lists show it masked (``036*******34``), and a prefix search would give the hidden digits
back one at a time. A full-CCCD look-up finds a person, and each staff member may make only so many an hour
(with the birth year on file, few digits are really unknown).

CCCD claims: a CCCD a citizen gives on their profile is kept as *pending* (no look-up item, so it cannot collide)
until staff verify it against the card (:meth:`CitizenService.verify_cccd`), or turn it down. The answer is the
same whether or not the number is someone else's, and profile changes are limited per citizen and per client
address, so the profile is no way to test numbers. Every profile change is audited, numbers masked.
"""

from smartcommune.citizens.logic.ports import AuditLog, CitizenLimits, CitizenStore, Hasher, RateCounters
from smartcommune.citizens.logic.search import QueryKind, classify_query, matches, name_key, query_words, search_text
from smartcommune.citizens.logic.service import CitizenService

__all__ = [
    "AuditLog",
    "CitizenLimits",
    "CitizenService",
    "CitizenStore",
    "Hasher",
    "QueryKind",
    "RateCounters",
    "classify_query",
    "matches",
    "name_key",
    "query_words",
    "search_text",
]

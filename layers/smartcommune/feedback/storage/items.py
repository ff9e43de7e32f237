"""Feedback's items in the main table and their keys: the one place that knows the layout below.

==================  ===============================  ==================  ====================================
item                PK                               SK                  index
==================  ===============================  ==================  ====================================
feedback            ``C#<c>#FB#<id>``                ``FB``              GSI1 ``C#<c>#FB`` / created#id;
                                                                         GSI2 ``C#<c>#FBU#<unit>`` / same
citizen's copy      ``C#<c>#FB#<id>``                ``CITIZEN``         GSI1 ``C#<c>#CIT#<citizen>#FB``
public copy         ``C#<c>#FB#<id>``                ``PUBLIC``          GSI1 ``C#<c>#FBPUB`` / published#id
comment             ``C#<c>#FB#<id>``                ``CM#<comment>``    -
open marker         ``C#<c>#FBOPEN``                 ``<deadline>#<id>``  -
idempotency         ``C#<c>#IDEMP#<citizen>#<key>``  ``IDEMP``           - (TTL 7 days)
tracking counter    ``C#<c>#FBSEQ``                  ``Y#<year>``        -
day counters        ``C#<c>#FBSTATS``                ``D#<yyyy-mm-dd>``  -
current totals      ``C#<c>#FBSTATS``                ``TOTAL``           -
fields              ``C#<c>#FBFIELDS``               ``FIELDS``          -
==================  ===============================  ==================  ====================================

Its own room because the read side (:mod:`.reads`) and the write side (:mod:`.feedback`) of the repository both
build on these classes and keys; keeping them together means importing either registers every discriminator.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from smartcommune.core.table import MainTable, MergePolicy, commune_pk
from smartcommune.feedback.contracts.records import FEEDBACK_ID

FEEDBACK_ID_RE = re.compile(FEEDBACK_ID)


class FeedbackItem(MainTable, discriminator="feedback"):
    merge = MergePolicy.MOVE

    document = UnicodeAttribute()
    status = UnicodeAttribute()
    field_code = UnicodeAttribute()
    hamlet_id = UnicodeAttribute(null=True)
    unit = UnicodeAttribute()
    deadline = UnicodeAttribute()
    citizen_id = UnicodeAttribute(null=True)
    version = NumberAttribute()


class FeedbackCopyItem(MainTable, discriminator="feedback_copy"):
    """The citizen's copy (SK ``CITIZEN``) and the public copy (SK ``PUBLIC``) of a record."""

    merge = MergePolicy.MOVE

    document = UnicodeAttribute()
    field_code = UnicodeAttribute(null=True)
    hamlet_id = UnicodeAttribute(null=True)
    search = UnicodeAttribute(null=True)


class FeedbackCommentItem(MainTable, discriminator="feedback_comment"):
    merge = MergePolicy.MOVE

    document = UnicodeAttribute()


class FeedbackOpenItem(MainTable, discriminator="feedback_open"):
    merge = MergePolicy.MOVE

    unit = UnicodeAttribute()


class IdempotencyItem(MainTable, discriminator="idempotency"):
    merge = MergePolicy.MOVE

    feedback_id = UnicodeAttribute()
    fingerprint = UnicodeAttribute()
    body = UnicodeAttribute()


class FeedbackFieldsItem(MainTable, discriminator="feedback_fields"):
    merge = MergePolicy.MOVE

    document = UnicodeAttribute()


class FeedbackSeqItem(MainTable, discriminator="feedback_seq"):
    """The tracking-number counter of one year (written by one atomic ADD, ``seq``)."""

    merge = MergePolicy.KEEP  # a merged commune numbers anew under its own prefix; old codes stay valid

    seq = NumberAttribute(default=0)


class FeedbackStatsItem(MainTable, discriminator="feedback_stats"):
    """Counters; their attributes are named by the domain (``received``, ``rf_roads``, ``s_assigned`` …)."""

    merge = MergePolicy.KEEP


def utc_text(moment: datetime) -> str:
    """UTC with microseconds, sortable as text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def feedback_pk(commune_id: str, feedback_id: str) -> str:
    return commune_pk(commune_id, "FB", feedback_id)


def stats_pk(commune_id: str) -> str:
    return commune_pk(commune_id, "FBSTATS")


def open_pk(commune_id: str) -> str:
    return commune_pk(commune_id, "FBOPEN")

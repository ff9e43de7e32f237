"""Reporting's items in the single table (access by key or index only).

- entered value: ``C#<c>#IVAL#<code>`` / period (``2026-11``, ``2026-Q4``, ``2026``): a series is one query
- scorecard snapshot: ``C#<c>#SCORECARD`` / month: a year of history is one query
- report version: ``C#<c>#REPORT#<id>`` / ``V#0001``…; once sent, GSI2 ``C#<c>#REPORTS_SENT`` / sent_at#id#version
  (the latest sent report is one query) and its JWS beside the document
- report head: ``C#<c>#REPORT#<id>`` / ``HEAD`` (the latest version's document); GSI1 ``C#<c>#REPORTS`` /
  created_at#id (the list), GSI2 ``C#<c>#REPORTS#<status>`` / updated_at#id (the list by status)

A commune merger keeps them under the old commune (``MergePolicy.KEEP``): sent reports and monthly scorecards are
that commune's history, signed under its name.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from smartcommune.core.table import MainTable, MergePolicy


class IndicatorValueItem(MainTable, discriminator="report_value"):
    merge = MergePolicy.KEEP
    document = UnicodeAttribute()


class ScorecardSnapshotItem(MainTable, discriminator="report_scorecard"):
    merge = MergePolicy.KEEP
    document = UnicodeAttribute()


class ReportVersionItem(MainTable, discriminator="report_version"):
    merge = MergePolicy.KEEP
    document = UnicodeAttribute()
    jws = UnicodeAttribute(null=True)
    updated = UnicodeAttribute()


class ReportHeadItem(MainTable, discriminator="report_head"):
    merge = MergePolicy.KEEP
    document = UnicodeAttribute()
    version = NumberAttribute()
    updated = UnicodeAttribute()

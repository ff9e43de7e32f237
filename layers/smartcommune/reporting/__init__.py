"""Reporting (issue 11, seed V.2): the indicator catalog, the criteria scorecard and the local reporting system.

For the commune office and leadership: every criterion of the smart new-rural commune with its target, its value
this month (computed from the platform's own data where it holds it, else entered by staff with evidence), met or
not, and its history month by month; report forms per period (monthly, quarterly, yearly, ad hoc from the
province with a due date) that go draft → submitted → approved → sent and are locked once sent (a correction is a
new version with its reason); a sent report signed twice, as a JWS over its canonical JSON (RFC 8785 / RFC 7515,
ES256) and as a PAdES-signed PDF; exports as DHIS2 ``dataValueSets`` and XLSX.

Public services (``reporting.wiring``): ``scorecards(services)`` → :class:`ScorecardService`,
``reports(services)`` → :class:`ReportService`, ``providers(services)`` (the registry of computed indicators:
another capability's number for a criterion is added there by code), ``report_signer`` and ``jwks``.
"""

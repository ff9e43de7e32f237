"""Pure rules of reporting: the catalog, periods, the scorecard, entry validation, the report workflow, signing."""

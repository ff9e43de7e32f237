"""The facilities' rules: the wifi register (``wifi``), the schools and their yearly figures (``schools``), and the
summaries the dashboard and the scorecard read (``summary``); pure, with their stores as ports (``ports``)."""

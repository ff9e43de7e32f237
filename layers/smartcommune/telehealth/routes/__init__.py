"""Telehealth's HTTP routes: bookings and the queue (``booking``), records and chat (``records``), FHIR R4
(``fhir``)."""

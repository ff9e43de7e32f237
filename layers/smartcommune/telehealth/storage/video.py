"""Video-provider adapters for remote consultations (the provider itself is outside the project)."""

from __future__ import annotations

import hashlib
import hmac


class LocalVideoProvider:
    """Issues a link to the platform's own waiting page (the citizen portal's ``#/kham-benh/tu-xa/<booking>/<room>``,
    with the booking's chat), same origin, no provider: what the local stack and tests use, and a stand-in until a
    provider is contracted."""

    def __init__(self, key: str, base_url: str = "") -> None:
        self._key = key.encode()
        self._base_url = base_url.rstrip("/")

    def meeting_url(self, commune_id: str, booking_id: str, start_iso: str) -> str:
        room = hmac.new(self._key, f"{commune_id}/{booking_id}".encode(), hashlib.sha256).hexdigest()[:24]
        del start_iso  # a provider would book its room for the time; the waiting page reads it from the booking
        return f"{self._base_url}/citizen/#/kham-benh/tu-xa/{booking_id}/{room}"

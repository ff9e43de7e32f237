"""Simulated water at one site: what a probe there would read at a given moment.

Deterministic for a site and a moment (so a test can say what it expects), with a little noise from a seeded
generator. What it models, roughly as a village network behaves:

* **Temperature** follows the day: coolest around 05:00, warmest around 15:00 (Vietnam time), ±2.5 °C about a
  mean of 27 °C.
* **Free chlorine** leaves the plant at the dose set there (0.8 mg/L) and decays along the network, first order,
  faster in warm water: ``C = C0 · exp(-k · t)`` with ``t`` the water's travel time to the site and
  ``k = k20 · 1.07^(T - 20)``. The far end of the network dips under 0.2 mg/L on hot afternoons.
* **Turbidity** is low (0.3-0.6 NTU) until rain: a rain day (about one in three, at a random hour) stirs the
  source, turbidity peaks an hour or so later (later down the network) and decays over a few hours; the plant's
  filters take most of it, so the plant outlet peaks lower than the taps.
* **pH** is stable (7.2) with noise.

Faults a real sensor shows, switched on by :meth:`SiteModel.fault_at` (random, rare) or forced by a test:
``stuck`` (the same values for hours), ``dropout`` (no reading at all), ``excursion`` (pH out of range for a few
minutes: a probe fouled by air or a dosing pump fault).
"""

from __future__ import annotations

import math
import random
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
Fault = Literal["stuck", "dropout", "excursion"]

K20_PER_H = 0.12
"""Bulk decay of free chlorine at 20 °C, per hour (village networks: 0.05-0.5 /h)."""
THETA = 1.07
DOSE_MG_L = 0.8


def _stable(*key: object) -> int:
    """A seed that is the same in every process (``hash`` of a string is not)."""
    return zlib.crc32(repr(key).encode())


@dataclass(frozen=True)
class Values:
    ph: float
    turbidity_ntu: float
    free_chlorine_mg_l: float
    temperature_c: float


@dataclass(frozen=True)
class SiteModel:
    """One site: how long water takes to get there from the plant, and a seed for its noise and faults."""

    seed: int
    travel_h: float = 0.0
    plant: bool = False
    fault_rate_per_day: float = 1.0  # about one fault of some kind per sensor per day

    def _rng(self, *key: object) -> random.Random:
        return random.Random(_stable(self.seed, *key))  # noqa: S311 - simulation, not secrecy

    def temperature(self, at: datetime) -> float:
        hour = at.astimezone(VN_TZ).hour + at.astimezone(VN_TZ).minute / 60
        return 27.0 + 2.5 * math.sin(2 * math.pi * (hour - 9.0) / 24)  # minimum ~03:00, maximum ~15:00

    def rain_hour(self, day: datetime) -> float | None:
        """The hour (Vietnam time) it rains on ``day``, or None for a dry day (about two days in three)."""
        rng = random.Random(_stable("rain", day.astimezone(VN_TZ).date().toordinal()))  # noqa: S311
        return rng.uniform(0, 24) if rng.random() < 0.35 else None

    def turbidity(self, at: datetime) -> float:
        base = 0.3 + 0.15 * (self.seed % 3)
        spike = 0.0
        for days_back in (0, 1):
            day = at - timedelta(days=days_back)
            hour = self.rain_hour(day)
            if hour is None:
                continue
            local = day.astimezone(VN_TZ)
            rain_at = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(hours=hour)
            after_h = (at - rain_at).total_seconds() / 3600 - 1.0 - self.travel_h / 3
            if after_h >= 0:
                peak = 1.2 if self.plant else 3.0
                spike += peak * (after_h / 1.5) * math.exp(1 - after_h / 1.5)  # rises, peaks 1.5 h later, decays
        return base + spike

    def chlorine(self, at: datetime, temperature: float) -> float:
        k = K20_PER_H * THETA ** (temperature - 20)
        return DOSE_MG_L * math.exp(-k * self.travel_h)

    def clean(self, at: datetime) -> Values:
        """The water itself, with the probes' noise."""
        rng = self._rng("noise", int(at.timestamp() // 60))
        t = self.temperature(at) + rng.gauss(0, 0.15)
        turbidity = max(0.0, self.turbidity(at) + rng.gauss(0, 0.04))
        # suspended matter consumes chlorine too
        chlorine = max(0.0, self.chlorine(at, t) - 0.03 * max(0.0, turbidity - 0.6) + rng.gauss(0, 0.015))
        ph = 7.2 + 0.05 * math.sin(2 * math.pi * at.timestamp() / 86400) + rng.gauss(0, 0.03)
        return Values(round(ph, 2), round(turbidity, 2), round(chlorine, 3), round(t, 1))

    def fault_at(self, at: datetime) -> tuple[Fault, datetime, datetime] | None:
        """The fault (kind, start, end) under way at ``at``, if any: at most one per hour slot, rare."""
        hour_slot = int(at.timestamp() // 3600)
        rng = self._rng("fault", hour_slot)
        if rng.random() >= self.fault_rate_per_day / 24:
            return None
        kind: Fault = rng.choice(("stuck", "dropout", "excursion"))
        start = datetime.fromtimestamp(hour_slot * 3600 + rng.uniform(0, 1800), tz=at.tzinfo or VN_TZ)
        length = {"stuck": timedelta(minutes=45), "dropout": timedelta(minutes=20), "excursion": timedelta(minutes=6)}
        end = start + length[kind]
        return (kind, start, end) if start <= at < end else None

    def excursion(self, values: Values) -> Values:
        return Values(9.1, values.turbidity_ntu, values.free_chlorine_mg_l, values.temperature_c)

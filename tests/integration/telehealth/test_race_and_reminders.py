"""No double booking under concurrency (real transactions on moto), and the reminder job sending each reminder once."""

from __future__ import annotations

import importlib.util
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from smartcommune.composition import authenticate
from smartcommune.core.errors import ConflictError
from smartcommune.sms.storage import read_outbox
from smartcommune.telehealth.contracts import NewBooking
from smartcommune.telehealth.wiring import booking_service
from tests.integration.telehealth.helpers import call
from tests.support.identities import citizen_token
from tests.support.sms import deliver_queued_sms

ROOT = Path(__file__).resolve().parents[3]
SLOT = "202611300730.bs-lan.general"  # two places


def test_twenty_citizens_racing_for_the_last_place_get_exactly_one_booking(api, people, services):
    # Given a slot with one place left
    assert call(api, "POST", "/me/health/bookings", people.other, {"slot_id": SLOT})[0] == 201
    racers = [authenticate(services, citizen_token(services)[0]) for _ in range(20)]
    service = services.get(booking_service)

    # When twenty citizens book it at once
    def attempt(principal):
        try:
            return service.book(principal, NewBooking(slot_id=SLOT))
        except ConflictError as refused:
            return refused

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(attempt, racers))

    # Then exactly one gets it, the others are told the slot is full, and the counter says two
    won = [o for o in outcomes if not isinstance(o, ConflictError)]
    assert len(won) == 1, outcomes
    assert all("filled" in o.message_en for o in outcomes if isinstance(o, ConflictError))
    assert won[0].queue_number == 2
    _, day, _ = call(api, "GET", "/health/bookings?day=2026-11-30", people.nurse)
    assert [b["slot_id"] for b in day["items"]] == [SLOT, SLOT]
    _, slots, _ = call(api, "GET", "/communes/giao-phong/health/slots?day=2026-11-30&service=general")
    assert slots["items"][0]["free_places"] == 0


def test_bookings_in_many_slots_at_once_get_distinct_queue_numbers(api, people, services):
    racers = [authenticate(services, citizen_token(services)[0]) for _ in range(12)]
    service = services.get(booking_service)
    slots = [f"20261130{h}.bs-lan.general" for h in ("0730", "0745", "0800", "0815", "0830", "0845")]
    with ThreadPoolExecutor(max_workers=12) as pool:
        booked = list(
            pool.map(
                lambda pair: service.book(pair[0], NewBooking(slot_id=pair[1])), zip(racers, slots * 2, strict=True)
            )
        )
    assert sorted(b.queue_number for b in booked) == list(range(1, 13))


def _reminder_handler():
    spec = importlib.util.spec_from_file_location(
        "health_reminders_handler", ROOT / "functions/health_reminders/handler.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_reminder_job_run_twice_sends_each_reminder_once(api, people, services, settings, clock):
    # Given a booking at 07:30 Monday (00:30 UTC), made on Sunday 08:00, and one cancelled
    _, kept, _ = call(api, "POST", "/me/health/bookings", people.citizen, {"slot_id": "202611300745.bs-lan.general"})
    _, dropped, _ = call(api, "POST", "/me/health/bookings", people.other, {"slot_id": "202611300745.bs-lan.general"})
    call(api, "POST", f"/health/bookings/{dropped['id']}/cancel", people.other)
    deliver_queued_sms(settings)
    module = _reminder_handler()
    event = json.loads((ROOT / "events/health_reminders/every_minute.json").read_text())

    # When the job runs for the minute an hour before (00:45 UTC minus 1 h = 23:45 UTC Sunday), twice
    event["time"] = "2026-11-29T23:47:00Z"  # two minutes late: the look-back finds it
    first = module.run(event, services)
    second = module.run(event, services)

    # Then the kept booking's hour-before reminder goes out once, the cancelled one's never
    assert first["sent"] == [f"{kept['id']}:hour_before"] and second["sent"] == []
    deliver_queued_sms(settings)
    reminders = [m for m in read_outbox(settings.outbox_path) if m["purpose"] == "health_reminder"]
    assert len(reminders) == 1 and "sau 1 giờ nữa" in reminders[0]["text"] and kept["code"] in reminders[0]["text"]
    # (booked on Sunday 08:00 for Monday 07:45: the day-before moment, Sunday 07:45, had passed: none made)
    assert module.run({**event, "time": "2026-11-29T00:47:00Z"}, services)["sent"] == []

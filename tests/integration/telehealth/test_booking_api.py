"""Booking through the real app on moto: slots, the SMS with code and queue number, cancel and rebook, staff at the
station (check-in, call next, no-show), the public queue board, statistics."""

from __future__ import annotations

from smartcommune.sms.storage import read_outbox
from tests.integration.telehealth.helpers import call
from tests.support.sms import deliver_queued_sms

# The fixtures' clock: Sunday 29/11/2026 08:00 in Vietnam. Monday 30/11 is bookable.
SLOT = "202611300730.bs-lan.general"


def test_a_citizen_sees_free_slots_books_and_gets_an_sms_with_code_and_queue_number(api, people, settings):
    status, slots, _ = call(api, "GET", "/communes/giao-phong/health/slots?day=2026-11-30&service=general")
    assert status == 200
    first = slots["items"][0]
    assert first["id"] == SLOT and first["free_places"] == 2 and first["start"].endswith("+07:00")
    status, booking, _ = call(api, "POST", "/me/health/bookings", people.citizen, {"slot_id": SLOT})
    assert status == 201 and booking["queue_number"] == 1 and booking["status"] == "booked"
    assert booking["phone"].startswith("091") and "*" in booking["phone"]  # masked in the view
    deliver_queued_sms(settings)
    [sms] = [m for m in read_outbox(settings.outbox_path) if m["purpose"] == "health_booking"]
    assert f"Mã đặt lịch {booking['code']}" in sms["text"] and "Số thứ tự 1" in sms["text"]
    status, mine, _ = call(api, "GET", "/me/health/bookings", people.citizen)
    assert [b["id"] for b in mine["items"]] == [booking["id"]]
    status, theirs, _ = call(api, "GET", "/me/health/bookings", people.other)
    assert theirs["items"] == []
    assert call(api, "GET", f"/health/bookings/{booking['id']}", people.other)[0] == 404
    _, after, _ = call(api, "GET", "/communes/giao-phong/health/slots?day=2026-11-30&service=general")
    assert after["items"][0]["free_places"] == 1


def test_cancellation_frees_the_place_and_rebooking_moves_it(api, people):
    _, booking, _ = call(api, "POST", "/me/health/bookings", people.citizen, {"slot_id": SLOT})
    _, _, _ = call(api, "POST", "/me/health/bookings", people.other, {"slot_id": SLOT})
    _, slots, _ = call(api, "GET", "/communes/giao-phong/health/slots?day=2026-11-30&service=general")
    assert slots["items"][0]["status"] == "busy"
    assert call(api, "POST", f"/health/bookings/{booking['id']}/cancel", people.other)[0] == 404
    status, cancelled, _ = call(api, "POST", f"/health/bookings/{booking['id']}/cancel", people.citizen)
    assert status == 200 and cancelled["status"] == "cancelled"
    _, slots, _ = call(api, "GET", "/communes/giao-phong/health/slots?day=2026-11-30&service=general")
    assert slots["items"][0]["free_places"] == 1
    _, again, _ = call(api, "POST", "/me/health/bookings", people.citizen, {"slot_id": SLOT})
    status, moved, _ = call(
        api,
        "POST",
        f"/health/bookings/{again['id']}/rebook",
        people.citizen,
        {"slot_id": "202611301400.bs-hung.general"},
    )
    assert status == 201 and moved["session"] == "2026-11-30-pm" and moved["queue_number"] == 1
    _, old, _ = call(api, "GET", f"/health/bookings/{again['id']}", people.citizen)
    assert old["status"] == "cancelled"
    _, slots, _ = call(api, "GET", "/communes/giao-phong/health/slots?day=2026-11-30&service=general")
    assert slots["items"][0]["free_places"] == 1


def test_staff_book_for_a_caller_check_in_call_next_and_the_board_shows_numbers_only(api, people, clock):
    status, phoned, _ = call(
        api,
        "POST",
        "/health/bookings",
        people.nurse,
        {"slot_id": SLOT, "phone": "0987 111 222", "full_name": "Cụ Đặng Văn Tư"},
    )
    assert status == 201 and phoned["patient_name"] == "Cụ Đặng Văn Tư"
    _, online, _ = call(api, "POST", "/me/health/bookings", people.citizen, {"slot_id": "202611300745.bs-lan.general"})
    assert (phoned["queue_number"], online["queue_number"]) == (1, 2)
    assert call(api, "POST", "/health/bookings", people.police, {"slot_id": SLOT, "phone": "0987111223"})[0] == 403
    people.wait(clock, hours=23, minutes=50)  # Monday 07:50
    for booking in (online, phoned):
        assert call(api, "POST", f"/health/bookings/{booking['id']}/check-in", people.nurse)[0] == 200
    _, board, _ = call(api, "GET", "/communes/giao-phong/health/queue")
    assert board == {**board, "serving": [], "waiting": [1, 2], "session": "2026-11-30-am"}
    clock.advance(minutes=10)
    status, called, _ = call(api, "POST", "/health/queue/next", people.nurse)
    assert status == 200 and called["queue_number"] == 1
    status, board, _ = call(api, "GET", "/communes/giao-phong/health/queue")
    assert board["serving"] == [1] and board["waiting"] == [2]
    assert "Đặng" not in json_text(board) and set(board) == {
        "commune_id",
        "session",
        "serving",
        "waiting",
        "updated_at",
    }
    assert call(api, "POST", f"/health/bookings/{called['id']}/done", people.nurse)[1]["status"] == "done"
    _, day, _ = call(api, "GET", "/health/bookings?day=2026-11-30", people.nurse)
    assert [b["queue_number"] for b in day["items"]] == [1, 2]
    status, stats, _ = call(api, "GET", "/health/statistics?start=2026-11-30&end=2026-11-30", people.admin)
    assert status == 200 and stats["total_booked"] == 2 and stats["mean_wait_min"] == 10.0
    assert call(api, "GET", "/health/statistics?start=2026-11-30&end=2026-11-30", people.police)[0] == 403


def test_no_show_is_marked_after_the_start(api, people, clock):
    _, booking, _ = call(api, "POST", "/me/health/bookings", people.citizen, {"slot_id": SLOT})
    assert call(api, "POST", f"/health/bookings/{booking['id']}/no-show", people.nurse)[0] == 409
    people.wait(clock, hours=25)  # Monday 09:00: the 07:30 slot is past
    status, marked, _ = call(api, "POST", f"/health/bookings/{booking['id']}/no-show", people.nurse)
    assert status == 200 and marked["status"] == "no_show"
    _, stats, _ = call(api, "GET", "/health/statistics?start=2026-11-30&end=2026-11-30", people.nurse)
    assert stats["no_show_rate"] == 1.0


def test_bad_input_is_explained_in_vietnamese_first(api, people):
    status, error, _ = call(api, "POST", "/me/health/bookings", people.citizen, {"slot_id": "bad"})
    assert status == 422 and error["error"]["details"][0]["field"] == "slot_id"
    status, error, _ = call(
        api, "POST", "/me/health/bookings", people.citizen, {"slot_id": "202611300731.bs-lan.general"}
    )
    assert status == 404 and error["error"]["message"] == "Không có khung giờ khám này."


def json_text(data: object) -> str:
    import json

    return json.dumps(data, ensure_ascii=False)


def test_staff_book_for_a_callers_household_member_listed_or_added_then(api, people):
    # Given a citizen who registered her grandson for the station
    grandson = {"full_name": "Trần Minh Khôi", "birth_date": "2021-05-04", "relation": "grandchild"}
    status, member, _ = call(api, "POST", "/me/health/members", people.citizen, grandson)
    assert status == 201
    _, me, _ = call(api, "GET", "/me", people.citizen)
    phone = "0" + me["phone"].removeprefix("+84") if me["phone"].startswith("+84") else me["phone"]
    # When she phones the station, the nurse finds the household by her phone and books for the boy
    status, members, _ = call(api, "GET", f"/health/members?phone={phone}", people.nurse)
    assert status == 200 and [m["full_name"] for m in members["items"]] == ["Trần Minh Khôi"]
    assert call(api, "GET", f"/health/members?phone={phone}", people.police)[0] == 403
    booking_for = {"slot_id": SLOT, "phone": phone, "member_id": member["id"]}
    status, booked, _ = call(api, "POST", "/health/bookings", people.nurse, booking_for)
    # Then the booking is the grandson's, under her account: she sees it among her household's bookings
    assert status == 201 and booked["patient_name"] == "Trần Minh Khôi"
    _, mine, _ = call(api, "GET", "/me/health/bookings", people.citizen)
    assert [b["id"] for b in mine["items"]] == [booked["id"]]
    # And a granddaughter not yet listed is added by the nurse while booking, and listed for the next time
    newborn = {"full_name": "Trần Thu An", "birth_date": "2025-09-01", "relation": "grandchild"}
    status, second, _ = call(
        api, "POST", "/health/bookings", people.nurse, {"slot_id": SLOT, "phone": phone, "member": newborn}
    )
    assert status == 201 and second["patient_name"] == "Trần Thu An"
    _, members, _ = call(api, "GET", "/me/health/members", people.citizen)
    assert sorted(m["full_name"] for m in members["items"]) == ["Trần Minh Khôi", "Trần Thu An"]


def test_staff_cannot_book_someone_elses_household_member_or_add_one_to_a_wrong_slot(api, people):
    _, member, _ = call(
        api,
        "POST",
        "/me/health/members",
        people.citizen,
        {"full_name": "Trần Minh Khôi", "birth_date": "2021-05-04", "relation": "grandchild"},
    )
    _, other, _ = call(api, "GET", "/me", people.other)
    status, body, _ = call(
        api,
        "POST",
        "/health/bookings",
        people.nurse,
        {"slot_id": SLOT, "citizen_id": other["id"], "member_id": member["id"]},
    )
    assert status == 403 and "không thuộc hộ" in body["error"]["message"]
    _, me, _ = call(api, "GET", "/me", people.citizen)
    status, _, _ = call(
        api,
        "POST",
        "/health/bookings",
        people.nurse,
        {
            "slot_id": "202611290730.bs-lan.general",  # Sunday 07:30: already past at the fixtures' 08:00
            "citizen_id": me["id"],
            "member": {"full_name": "Trần Thu An", "birth_date": "2025-09-01", "relation": "grandchild"},
        },
    )
    assert status in (400, 404)
    _, members, _ = call(api, "GET", "/me/health/members", people.citizen)
    assert [m["full_name"] for m in members["items"]] == ["Trần Minh Khôi"]  # nobody added by the refused booking


def test_a_citizen_books_for_a_child_of_their_household_in_the_population_register(api, people, services):
    from smartcommune.core.contracts import Role
    from tests.support.identities import staff_token

    # Given the register holds the citizen's household with his daughter, who has no account
    office = staff_token(services, Role.OFFICE)
    household = {
        "id": "gp-8001",
        "hamlet_id": "dong-thanh",
        "address": "Xóm Đông Thành",
        "residents": [
            {"full_name": "Người Dân Thử", "birth_date": "1985-01-01", "sex": "male", "relation": "head",
             "citizen_id": people.citizen_id},
            {"full_name": "Trần Bảo Ngọc", "birth_date": "2019-03-08", "sex": "female", "relation": "child"},
        ],
    }  # fmt: skip
    status, registered, _ = call(api, "POST", "/population/households", office, household)
    assert status == 201
    daughter = registered["residents"][1]["id"]
    # When he opens the booking page, she is listed as his daughter, and he books for her
    _, members, _ = call(api, "GET", "/me/health/members", people.citizen)
    assert [(m["id"], m["relation"]) for m in members["items"]] == [(daughter, "child")]
    status, booking, _ = call(
        api, "POST", "/me/health/bookings", people.citizen, {"slot_id": SLOT, "member_id": daughter}
    )
    assert status == 201 and booking["patient_name"] == "Trần Bảo Ngọc" and booking["patient_id"] == daughter
    # Then her record opens for him (her guardian) and for the nurse, and not for another citizen
    assert call(api, "GET", f"/health/records/{daughter}", people.citizen)[0] == 200
    assert call(api, "GET", f"/health/records/{daughter}", people.nurse)[0] == 200
    assert call(api, "GET", f"/health/records/{daughter}", people.other)[0] == 403
    # And someone else cannot book for her
    assert call(api, "POST", "/me/health/bookings", people.other, {"slot_id": SLOT, "member_id": daughter})[0] == 403

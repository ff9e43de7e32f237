"""Telehealth's items in the single table.

- station set-up: ``C#<c>#HEALTH`` / ``PRAC#…``, ``SVC#…``, ``SCHED#…``, ``EXC#…``, ``PHARM#…`` (one query reads it)
- slot capacity counter: ``C#<c>#HSLOTS#<day>`` / slot id
- session queue counter: ``C#<c>#HQSEQ`` / session (``2026-12-03-am``)
- booking: ``C#<c>#APPT#<id>`` / ``A``; GSI1 ``C#<c>#APPTBY#<owner>`` / start; GSI2 ``C#<c>#APPTDAY#<day>`` /
  session#number
- booking reminder: ``C#<c>#APPT#<id>`` / ``REMIND#<kind>``; GSI1 ``HREMIND#<UTC minute>`` / commune#id#kind
- one place per patient per slot: ``C#<c>#APPTGUARD#<slot>`` / patient id
- household member: ``C#<c>#HMEMBER#<id>`` / ``M``; GSI1 ``C#<c>#HMEMBERS#<guardian>``
- patient record: ``C#<c>#HREC#<patient>`` / ``HEAD`` (GSI1 ``C#<c>#HRECS``) and ``E#<at>#<id>`` entries

A commune merger moves all of them (keys, ``commune_id`` attributes and documents rewritten): the station, its
bookings, queue counters and patients' records become the new commune's, history included.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from smartcommune.core.table import MainTable, MergePolicy


class SetupItem(MainTable, discriminator="health_setup"):
    merge = MergePolicy.MOVE
    document = UnicodeAttribute()


class SlotCounterItem(MainTable, discriminator="health_slot"):
    merge = MergePolicy.MOVE
    booked = NumberAttribute(null=True)
    capacity = NumberAttribute(null=True)


class SessionCounterItem(MainTable, discriminator="health_queue_seq"):
    merge = MergePolicy.MOVE
    n = NumberAttribute(null=True)


class BookingItem(MainTable, discriminator="health_booking"):
    merge = MergePolicy.MOVE
    document = UnicodeAttribute()
    status = UnicodeAttribute()
    version = NumberAttribute()


class ReminderItem(MainTable, discriminator="health_reminder"):
    merge = MergePolicy.MOVE
    commune_id = UnicodeAttribute()
    booking_id = UnicodeAttribute()
    reminder_kind = UnicodeAttribute()
    bucket = UnicodeAttribute()
    sent_at = UnicodeAttribute(null=True)


class GuardItem(MainTable, discriminator="health_guard"):
    merge = MergePolicy.MOVE
    booking_id = UnicodeAttribute()


class MemberItem(MainTable, discriminator="health_member"):
    merge = MergePolicy.MOVE
    document = UnicodeAttribute()


class RecordHeadItem(MainTable, discriminator="health_record"):
    merge = MergePolicy.MOVE
    patient_id = UnicodeAttribute()


class RecordEntryItem(MainTable, discriminator="health_entry"):
    merge = MergePolicy.MOVE
    document = UnicodeAttribute()

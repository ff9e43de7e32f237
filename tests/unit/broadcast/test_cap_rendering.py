"""CAP 1.2 documents and the Atom index: every document the platform renders is valid against the OASIS CAP 1.2
schema (``docs/schemas/CAP-v1.2.xsd``, checked with ``xmlschema``), with its values, offsets and references."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from smartcommune.broadcast.contracts import Bulletin, Channels, PublishedMessage, Schedule, Target
from smartcommune.broadcast.logic.cap import (
    ATOM_NS,
    CAP_NS,
    AtomEntry,
    CapContext,
    cap_time,
    render_alert,
    render_atom,
)
from tests.support.cap import cap_problems

SENT = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
N = f"{{{CAP_NS}}}"


def _bulletin(messages: list[PublishedMessage], **extra) -> Bulletin:
    fields = {
        "id": "b" * 32,
        "commune_id": "giao-phong",
        "origin_name": "UBND xã Giao Phong",
        "target_communes": ["giao-phong"],
        "priority": "emergency",
        "target": Target(),
        "schedule": Schedule(),
        "channels": Channels(),
        "repeat": 2,
        "volume": 100,
        "valid_hours": 12,
        "created_by": "x",
        "created_by_name": "x",
        "created_at": SENT,
        "edited_by": "x",
        "updated_at": SENT,
        "headline": "Bão số 3 đổ bộ",
        "text": "Bà con chằng chống nhà cửa.",
        "instruction": "Không ra khơi.",
        "category": "Met",
        "event": "Bão số 3",
        "messages": messages,
    }
    return Bulletin(**(fields | extra))


CONTEXT = CapContext(base_url="https://xa.example.vn", area_desc="Xóm Đông Thành, Xóm Tây Sơn (Xã Giao Phong)")


def test_alert_has_every_required_element_in_order_with_offsets():
    message = PublishedMessage(seq=1, msg_type="Alert", sent=SENT)
    document = render_alert(_bulletin([message]), message, CONTEXT)
    assert cap_problems(document) == []
    root = ET.fromstring(document)  # noqa: S314
    assert root.tag == f"{N}alert"
    assert root.findtext(f"{N}sent") == "2026-11-29T08:00:00+07:00"
    assert [root.findtext(f"{N}{t}") for t in ("status", "msgType", "scope")] == ["Actual", "Alert", "Public"]
    info = root.find(f"{N}info")
    assert info is not None
    assert [info.findtext(f"{N}{t}") for t in ("language", "urgency", "severity", "certainty")] == [
        "vi-VN",
        "Immediate",
        "Severe",
        "Observed",
    ]
    assert info.findtext(f"{N}expires") == cap_time(SENT + timedelta(hours=12))
    assert info.findtext(f"{N}area/{N}areaDesc").startswith("Xóm Đông Thành")
    assert root.find(f"{N}references") is None
    assert len(root.findall(f"{N}info")) == 1


def test_english_info_follows_vietnamese():
    message = PublishedMessage(seq=1, msg_type="Alert", sent=SENT)
    document = render_alert(
        _bulletin([message], headline_en="Typhoon 3", text_en="Secure your houses."), message, CONTEXT
    )
    languages = [i.findtext(f"{N}language") for i in ET.fromstring(document).findall(f"{N}info")]  # noqa: S314
    assert languages == ["vi-VN", "en-US"] and cap_problems(document) == []


def test_update_and_cancel_reference_earlier_messages():
    first = PublishedMessage(seq=1, msg_type="Alert", sent=SENT)
    update = PublishedMessage(seq=2, msg_type="Update", sent=SENT + timedelta(hours=1), references=[1])
    cancel = PublishedMessage(seq=3, msg_type="Cancel", sent=SENT + timedelta(hours=2), references=[1, 2])
    bulletin = _bulletin([first, update, cancel])
    root = ET.fromstring(render_alert(bulletin, cancel, CONTEXT))  # noqa: S314
    assert root.findtext(f"{N}msgType") == "Cancel"
    refs = root.findtext(f"{N}references").split(" ")
    assert refs[0] == f"giao-phong@smartcommune.vn,vn.smartcommune.giao-phong.{'b' * 32}.1,2026-11-29T08:00:00+07:00"
    assert len(refs) == 2
    assert root.findtext(f"{N}info/{N}headline").startswith("HỦY")


FIRST = PublishedMessage(seq=1, msg_type="Alert", sent=SENT)
UPDATE = PublishedMessage(seq=2, msg_type="Update", sent=SENT + timedelta(hours=1), references=[1])
CANCEL = PublishedMessage(seq=3, msg_type="Cancel", sent=SENT + timedelta(hours=2), references=[1, 2])
ENGLISH = {
    "headline_en": "Typhoon 3 makes landfall",
    "text_en": "Secure your houses.",
    "instruction_en": "Stay ashore.",
}


@pytest.mark.parametrize(
    ("priority", "message", "english", "scheduled"),
    list(itertools.product(["normal", "priority", "emergency"], [FIRST, UPDATE, CANCEL], [False, True], [False, True])),
    ids=lambda v: v.msg_type if isinstance(v, PublishedMessage) else str(v),
)
def test_every_document_the_platform_renders_is_valid_cap_1_2(priority, message, english, scheduled):
    # Given a bulletin of each priority, in Vietnamese only or with English, played now or at a set time,
    # and each message it can issue (the Alert, an Update after an edit, the Cancel when revoked)
    bulletin = _bulletin(
        [FIRST, UPDATE, CANCEL][: message.seq],
        priority=priority,
        instruction=None if english else "Không ra khơi.",
        next_play_at=SENT + timedelta(hours=3) if scheduled else None,
        **(ENGLISH if english else {}),
    )
    for context in (CONTEXT, CapContext(base_url="", area_desc="Xã Giao Phong", geocodes=(("VN-ADM3", "13642"),))):
        # When it is rendered / Then the OASIS schema accepts it
        assert cap_problems(render_alert(bulletin, message, context)) == []


@pytest.mark.parametrize(
    ("good", "bad"),
    [
        (b"<status>Actual</status>", b"<status>Real</status>"),
        (b"<urgency>Immediate</urgency>", b"<urgency>Soon</urgency>"),
        (b"<category>Met</category>", b"<category>Weather</category>"),
        (b"<scope>Public</scope>", b""),
        (b"<sent>2026-11-29T08:00:00+07:00</sent>", b"<sent>2026-11-29T01:00:00Z</sent>"),
        (b"<language>vi-VN</language>", b"<language>vi-VN</language><language>vi-VN</language>"),
    ],
)
def test_the_schema_refuses_what_cap_does_not_allow(good, bad):
    # The check is the OASIS schema itself: unknown codes, missing parts, repeated parts and "Z" times are refused
    document = render_alert(_bulletin([FIRST]), FIRST, CONTEXT)
    assert good in document and cap_problems(document) == []
    assert cap_problems(document.replace(good, bad))


def test_the_schema_refuses_elements_out_of_order():
    root = ET.fromstring(render_alert(_bulletin([FIRST]), FIRST, CONTEXT))  # noqa: S314
    sender = root.find(f"{N}sender")
    assert sender is not None
    root.remove(sender)
    root.append(sender)  # after <info>
    assert cap_problems(ET.tostring(root))


def test_atom_index_links_cap_documents():
    entry = AtomEntry(
        identifier="vn.smartcommune.giao-phong.x.1",
        title="[Alert] Bão",
        updated=SENT,
        link="https://xa.example.vn/cap/giao-phong/x-1.xml",
        summary="Bão",
        author="UBND xã",
    )
    feed = ET.fromstring(render_atom("urn:feed", "Cảnh báo", "https://xa.example.vn/cap/index.atom", [entry], SENT))  # noqa: S314
    a = f"{{{ATOM_NS}}}"
    assert feed.tag == f"{a}feed"
    assert [feed.findtext(f"{a}{t}") for t in ("id", "title")] == ["urn:feed", "Cảnh báo"]
    link = feed.find(f"{a}entry/{a}link")
    assert link is not None and link.get("type") == "application/cap+xml" and link.get("href").endswith("x-1.xml")
    assert feed.findtext(f"{a}entry/{a}updated") == "2026-11-29T08:00:00+07:00"

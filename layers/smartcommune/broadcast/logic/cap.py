"""CAP 1.2 (OASIS Common Alerting Protocol) documents and the Atom index that lists them. Pure rendering.

Element order, cardinality and value formats follow the CAP 1.2 specification (sections 3.2.1-3.2.4), and the
tests validate every kind of document rendered here against the specification's XML Schema
(``docs/schemas/CAP-v1.2.xsd``). ``sent`` carries a numeric offset (Vietnam: ``+07:00``; never ``Z``),
``references`` is a space-separated list of ``sender,identifier,sent`` triplets, Vietnamese ``info`` comes first
(``vi-VN``) and English follows when written.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from smartcommune.broadcast.logic.rules import CAP_CODES
from smartcommune.core.contracts import VN_TZ

if TYPE_CHECKING:
    from smartcommune.broadcast.contracts import Bulletin, PublishedMessage

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_MIME = "application/cap+xml"
ATOM_MIME = "application/atom+xml"


def cap_time(moment: datetime) -> str:
    """CAP's date-time: ``2026-11-29T08:00:00+07:00`` (whole seconds, explicit offset)."""
    return moment.astimezone(VN_TZ).replace(microsecond=0).isoformat()


def sender_of(commune_id: str) -> str:
    return f"{commune_id}@smartcommune.vn"


def identifier_of(commune_id: str, bulletin_id: str, seq: int) -> str:
    return f"vn.smartcommune.{commune_id}.{bulletin_id}.{seq}"


def alert_file(bulletin_id: str, seq: int) -> str:
    """The file name of one message under ``/cap/<commune>/``."""
    return f"{bulletin_id}-{seq}.xml"


@dataclass(frozen=True)
class CapContext:
    """What a CAP document needs beyond the bulletin: where it is published, and the area as words."""

    base_url: str
    area_desc: str
    geocodes: tuple[tuple[str, str], ...] = ()


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if text is not None:
        element.text = text
    return element


def _info(
    alert: ET.Element,
    bulletin: Bulletin,
    message: PublishedMessage,
    context: CapContext,
    *,
    english: bool,
) -> None:
    codes = CAP_CODES[bulletin.priority]
    info = _sub(alert, "info")
    _sub(info, "language", "en-US" if english else "vi-VN")
    _sub(info, "category", bulletin.category)
    _sub(info, "event", bulletin.event)
    _sub(info, "responseType", "AllClear" if message.msg_type == "Cancel" else "Prepare")
    _sub(info, "urgency", "Past" if message.msg_type == "Cancel" else codes.urgency)
    _sub(info, "severity", codes.severity)
    _sub(info, "certainty", codes.certainty)
    first = bulletin.messages[0].sent if bulletin.messages else message.sent
    _sub(info, "effective", cap_time(message.sent))
    if bulletin.next_play_at is not None:
        _sub(info, "onset", cap_time(bulletin.next_play_at))
    _sub(info, "expires", cap_time(first + timedelta(hours=bulletin.valid_hours)))
    _sub(info, "senderName", bulletin.origin_name or bulletin.commune_id)
    headline = (bulletin.headline_en or bulletin.headline) if english else bulletin.headline
    if message.msg_type == "Cancel":
        headline = ("CANCELLED: " if english else "HỦY: ") + headline
    _sub(info, "headline", headline[:160])
    _sub(info, "description", (bulletin.text_en or bulletin.text) if english else bulletin.text)
    instruction = bulletin.instruction_en if english else bulletin.instruction
    if instruction:
        _sub(info, "instruction", instruction)
    _sub(info, "web", f"{context.base_url}/cap/{bulletin.commune_id}/{alert_file(bulletin.id, message.seq)}")
    area = _sub(info, "area")
    _sub(area, "areaDesc", context.area_desc)
    for name, value in context.geocodes:
        geocode = _sub(area, "geocode")
        _sub(geocode, "valueName", name)
        _sub(geocode, "value", value)


def render_alert(bulletin: Bulletin, message: PublishedMessage, context: CapContext) -> bytes:
    """The CAP 1.2 document of one message of a bulletin (``bulletin`` as it was when the message was sent)."""
    commune_id = bulletin.commune_id
    sender = sender_of(commune_id)
    alert = ET.Element(f"{{{CAP_NS}}}alert")
    _sub(alert, "identifier", identifier_of(commune_id, bulletin.id, message.seq))
    _sub(alert, "sender", sender)
    _sub(alert, "sent", cap_time(message.sent))
    _sub(alert, "status", "Actual")
    _sub(alert, "msgType", message.msg_type)
    _sub(alert, "scope", "Public")
    if message.references:
        sent_of = {m.seq: m.sent for m in bulletin.messages}
        triplets = [
            f"{sender},{identifier_of(commune_id, bulletin.id, seq)},{cap_time(sent_of[seq])}"
            for seq in message.references
            if seq in sent_of
        ]
        _sub(alert, "references", " ".join(triplets))
    _info(alert, bulletin, message, context, english=False)
    if bulletin.headline_en and bulletin.text_en:
        _info(alert, bulletin, message, context, english=True)
    ET.indent(alert)
    return ET.tostring(alert, encoding="utf-8", xml_declaration=True, default_namespace=CAP_NS)


@dataclass(frozen=True)
class AtomEntry:
    identifier: str
    title: str
    updated: datetime
    link: str
    summary: str
    author: str


def render_atom(feed_id: str, title: str, self_url: str, entries: list[AtomEntry], updated: datetime) -> bytes:
    """An Atom 1.0 feed (RFC 4287) whose entries link to CAP documents (``type="application/cap+xml"``)."""
    # Plain names and an explicit xmlns: ElementTree's default_namespace refuses the (unqualified) attributes.
    feed = ET.Element("feed", {"xmlns": ATOM_NS})

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, tag, attrs)
        if text is not None:
            element.text = text
        return element

    sub(feed, "id", feed_id)
    sub(feed, "title", title)
    sub(feed, "updated", cap_time(max([updated, *(e.updated for e in entries)])))
    sub(feed, "link", rel="self", href=self_url, type=ATOM_MIME)
    author = sub(feed, "author")
    sub(author, "name", "SmartCommune")
    for entry in entries:
        item = sub(feed, "entry")
        sub(item, "id", f"urn:cap:{entry.identifier}")
        sub(item, "title", entry.title)
        sub(item, "updated", cap_time(entry.updated))
        entry_author = sub(item, "author")
        sub(entry_author, "name", entry.author)
        sub(item, "link", rel="alternate", href=entry.link, type=CAP_MIME)
        sub(item, "summary", entry.summary)
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)

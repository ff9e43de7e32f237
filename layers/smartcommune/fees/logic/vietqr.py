"""VietQR: the NAPAS 247 transfer format on EMVCo merchant-presented QR (EMV QRCPS-MPM 1.1), and its QR code.

A payload is a string of data objects ``ID (2 digits) · length (2 digits) · value``:

====  ==============================================================================
00    payload format indicator ``01``
01    point of initiation: ``12`` (dynamic: one invoice, one amount)
38    merchant account information, NAPAS template: ``00`` GUID ``A000000727``, ``01`` the beneficiary
      (``00`` acquirer BIN, ``01`` account number), ``02`` service code ``QRIBFTTA`` (transfer to an account)
53    currency, ISO 4217 numeric: ``704`` (VND)
54    amount, the exact balance in đồng (no decimals: VND has no minor unit)
58    country ``VN``
62    additional data: ``08`` purpose of transaction = the invoice reference
63    CRC16-CCITT (polynomial 0x1021, initial 0xFFFF) over everything before it, ``6304`` included, 4 hex digits
====  ==============================================================================

Every value is ASCII, so a length counts characters and bytes alike.
"""

from __future__ import annotations

from dataclasses import dataclass

NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"
COUNTRY_VN = "VN"
MAX_PURPOSE = 25  # EMVCo: purpose of transaction is at most 25 characters


def crc16_ccitt(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def tlv(tag: str, value: str) -> str:
    """One data object; a value longer than 99 characters or not ASCII cannot be one."""
    if len(tag) != 2 or not tag.isdigit():
        raise ValueError(f"bad tag {tag!r}")
    if len(value) > 99 or not value.isascii():
        raise ValueError(f"value of {tag} must be ASCII and at most 99 characters")
    return f"{tag}{len(value):02d}{value}"


@dataclass(frozen=True)
class TransferRequest:
    bank_bin: str
    account_no: str
    amount_vnd: int
    purpose: str


def payload(request: TransferRequest) -> str:
    """The VietQR string a banking app reads: pay ``amount_vnd`` to the account, with ``purpose`` as its message."""
    if not (len(request.bank_bin) == 6 and request.bank_bin.isdigit()):
        raise ValueError("the bank BIN has 6 digits")
    if request.amount_vnd <= 0:
        raise ValueError("an amount to pay is positive")
    if not request.purpose or len(request.purpose) > MAX_PURPOSE:
        raise ValueError(f"the purpose has 1 to {MAX_PURPOSE} characters")
    beneficiary = tlv("00", request.bank_bin) + tlv("01", request.account_no)
    merchant = tlv("00", NAPAS_GUID) + tlv("01", beneficiary) + tlv("02", SERVICE_TO_ACCOUNT)
    body = (
        tlv("00", "01")
        + tlv("01", "12")
        + tlv("38", merchant)
        + tlv("53", CURRENCY_VND)
        + tlv("54", str(request.amount_vnd))
        + tlv("58", COUNTRY_VN)
        + tlv("62", tlv("08", request.purpose))
        + "6304"
    )
    return body + f"{crc16_ccitt(body.encode('ascii')):04X}"


def qr_svg(data: str, *, scale: int = 4) -> str:
    """The QR code of ``data`` as an SVG document (error correction M, as banking apps print them)."""
    import io

    import segno

    code = segno.make_qr(data, error="m")
    out = io.BytesIO()
    code.save(out, kind="svg", scale=scale, border=4, xmldecl=False, svgns=True, title="VietQR")
    return out.getvalue().decode()


def qr_png(data: str, *, scale: int = 6) -> bytes:
    """The QR code of ``data`` as PNG bytes (for the PDF and for decoders)."""
    import io

    import segno

    out = io.BytesIO()
    segno.make_qr(data, error="m").save(out, kind="png", scale=scale, border=4)
    return out.getvalue()

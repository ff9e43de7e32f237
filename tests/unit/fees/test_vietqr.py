"""VietQR payloads, checked with an independent EMVCo/VietQR parser (vietqr-emvco), an independent CRC library
(crccheck) and a QR decoder (zxing-cpp) reading the rendered code."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from crccheck.crc import Crc16CcittFalse
from PIL import Image
from vietqr_emvco import VietQRParser

from smartcommune.fees.logic.vietqr import TransferRequest, crc16_ccitt, payload, qr_png, qr_svg

CASES = [
    TransferRequest("970405", "3206201001234", 30000, "HPABCDEFGHIJ"),
    TransferRequest("970436", "0011004012345", 1250000, "HP2345672345"),
    TransferRequest("970418", "12345678901234567", 15000, "HPZZZZZZZZZZ"),
]


@pytest.mark.parametrize("request_", CASES, ids=lambda r: f"{r.bank_bin}-{r.amount_vnd}")
def test_an_independent_parser_reads_back_every_field(request_: TransferRequest):
    # Given a payload for an invoice
    text = payload(request_)
    # When another library parses it
    parsed = VietQRParser.parse(text)
    # Then it reads the NAPAS template, the exact amount, VND, Vietnam and the reference as the purpose
    assert parsed["payload_format_indicator"] == "01"
    assert parsed["point_of_initiation_method"] == "12"
    assert parsed["napas_guid"] == "A000000727"
    assert parsed["service_code"] == "QRIBFTTA"
    assert (parsed["bank_bin"], parsed["account_number"]) == (request_.bank_bin, request_.account_no)
    assert parsed["amount"] == request_.amount_vnd and parsed["raw_tags"]["54"] == str(request_.amount_vnd)
    assert (parsed["currency"], parsed["country_code"]) == ("704", "VN")
    assert parsed["memo"] == request_.purpose
    # And its CRC holds, by that library and by an independent CRC-16/CCITT-FALSE
    assert VietQRParser.verify_checksum(text)
    assert text[-8:-4] == "6304"
    assert int(text[-4:], 16) == Crc16CcittFalse.calc(text[:-4].encode())


def test_our_crc_is_the_ccitt_false_check_value():
    assert crc16_ccitt(b"123456789") == 0x29B1 == Crc16CcittFalse.calc(b"123456789")


def test_a_changed_amount_breaks_the_crc():
    text = payload(CASES[0])
    forged = text.replace("540530000", "540590000")
    assert forged != text and not VietQRParser.verify_checksum(forged)


def test_the_rendered_code_decodes_to_the_exact_payload():
    text = payload(CASES[1])
    image = Image.open(io.BytesIO(qr_png(text)))
    results = zxingcpp.read_barcodes(image)
    assert [r.text for r in results] == [text]
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode
    svg = qr_svg(text)
    assert svg.startswith("<svg") and "VietQR" in svg


@pytest.mark.parametrize(
    ("bank_bin", "amount", "purpose"),
    [("97040", 1000, "HPABCDEFGHIJ"), ("970405", 0, "HPABCDEFGHIJ"), ("970405", 1000, "X" * 26)],
)
def test_payloads_a_bank_would_refuse_are_never_made(bank_bin: str, amount: int, purpose: str):
    with pytest.raises(ValueError):
        payload(TransferRequest(bank_bin, "123456", amount, purpose))

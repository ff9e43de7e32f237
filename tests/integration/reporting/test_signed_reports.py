"""Signed reports: the JWS verifies against the published JWKS with an independent library (joserfc) and fails on
any changed byte; the PDF's PAdES signature is valid for pdfsig and reports a digest mismatch after one changed byte;
the CLI exports and verifies; DHIS2 and XLSX exports carry the sent values; the KMS signer as far as moto goes."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
from argparse import Namespace

import boto3
import pytest
from joserfc import jws as jose_jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from smartcommune.reporting.logic.signing import canonical, payload_of, sign_document, verify
from smartcommune.reporting.storage.keys import LocalSigner
from smartcommune.reporting.storage.kms import KmsSigner
from smartcommune_local.cli import main as cli_main
from smartcommune_local.cli_reports import export_command, verify_command


def _flip(text: str, index: int) -> str:
    """One character changed to another base64url character (so the JWS still parses)."""
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]


@pytest.fixture
def sent(world):
    return world.sent()


def test_jws_verifies_untouched_with_an_independent_library_and_fails_on_any_changed_byte(world, sent):
    jws = world.ok("GET", f"/reports/{sent['id']}/report.jws", world.office, accept="application/jose")
    jws = jws.decode() if isinstance(jws, bytes) else jws
    jwks = world.ok("GET", "/.well-known/jwks.json")
    keys = KeySet.import_key_set(jwks)
    # Untouched: joserfc accepts it, and the payload is the sent report as canonical JSON (RFC 8785)
    decoded = jose_jws.deserialize_compact(jws, keys, algorithms=["ES256"])
    document = json.loads(decoded.payload)
    assert decoded.payload == canonical(document)
    assert (document["id"], document["version"], document["status"]) == (sent["id"], 1, "sent")
    assert hashlib.sha256(decoded.payload).hexdigest() == sent["document_sha256"]
    assert decoded.protected["kid"] == sent["key_id"] == jwks["keys"][0]["kid"]
    assert verify(jws, jwks).valid
    # One changed character in the header, the payload or the signature: both libraries refuse it
    header_end, payload_end = jws.index("."), jws.rindex(".")
    for index in (header_end // 2, (header_end + payload_end) // 2, payload_end + 20):
        tampered = _flip(jws, index)
        assert not verify(tampered, jwks).valid
        with pytest.raises((JoseError, ValueError)):
            jose_jws.deserialize_compact(tampered, keys, algorithms=["ES256"])


def test_cli_exports_the_latest_sent_report_and_verify_exits_non_zero_on_a_change(world, sent, tmp_path):
    out, jwks_file = tmp_path / "latest.jws", tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps(world.ok("GET", "/.well-known/jwks.json")))
    args = Namespace(latest=True, id=None, pdf=False, format=None, out=str(out), commune="giao-phong")
    assert export_command(args, world.services) == 0
    assert payload_of(out.read_text())["id"] == sent["id"]
    assert cli_main(["report", "verify", str(out), "--jwks", str(jwks_file)]) == 0
    raw = bytearray(out.read_bytes())
    middle = raw.index(b".") + 40
    raw[middle] = ord("A") if raw[middle] != ord("A") else ord("B")
    out.write_bytes(bytes(raw))
    assert cli_main(["report", "verify", str(out), "--jwks", str(jwks_file)]) == 1


def _pdfsig(path) -> str:
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False).stdout


def test_pdf_is_pades_signed_valid_for_pdfsig_and_a_changed_byte_is_a_digest_mismatch(world, sent, tmp_path):
    pdf = world.ok("GET", f"/reports/{sent['id']}/report.pdf", world.office, accept="application/pdf")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    report = _pdfsig(path)
    assert "Signature is Valid." in report and "ETSI.CAdES.detached" in report
    # The text is Vietnamese, with the document hash that ties it to the JWS
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Kỳ báo cáo: tháng 11/2026" in text and sent["document_sha256"] in text.replace("\n", "")
    # The CLI accepts it against the published root, and refuses it once a byte of the signed range changes
    ca = world.ok("GET", "/.well-known/report-ca.pem", accept="application/x-pem-file")
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(ca if isinstance(ca, bytes) else ca.encode())
    assert verify_command(Namespace(file=str(path), jwks=None, ca=str(ca_file)), world.services) == 0
    start, length = (int(n) for n in re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)", pdf).groups())
    position = pdf.index(b"/Creator", start, start + length) + 3  # inside the signed range, not a structure byte
    tampered = bytearray(pdf)
    tampered[position] = ord("X")
    path.write_bytes(bytes(tampered))
    assert "Digest Mismatch." in _pdfsig(path)
    assert verify_command(Namespace(file=str(path), jwks=None, ca=str(ca_file)), world.services) == 1


def test_exports_dhis2_data_value_set_and_xlsx_with_the_sent_values(world, sent):
    dvs = world.ok("GET", f"/reports/{sent['id']}/dhis2.json", world.office)
    assert set(dvs) >= {"dataSet", "period", "orgUnit", "completeDate", "dataValues"}
    assert dvs["period"] == "202611" and dvs["orgUnit"] == "giao-phong" and dvs["orgUnitIdScheme"] == "CODE"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", dvs["completeDate"])
    assert len(dvs["dataValues"]) == 31
    for value in dvs["dataValues"]:
        assert set(value) <= {"dataElement", "period", "orgUnit", "value", "comment"}
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]{10}", value["dataElement"])  # a DHIS2 uid
        assert isinstance(value["value"], str) and value["period"] == "202611"
    assert len({v["dataElement"] for v in dvs["dataValues"]}) == 31
    lines = {line["code"]: line for line in sent["lines"]}
    from openpyxl import load_workbook

    xlsx = world.ok("GET", f"/reports/{sent['id']}/report.xlsx", world.office,
                    accept="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")  # fmt: skip
    sheet = load_workbook(io.BytesIO(xlsx)).active
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True) if row and row[0] in lines}
    assert len(rows) == 31 and rows["4.1"][4] == lines["4.1"]["value"] and rows["1.1"][2] == "Đạt"


def test_jwks_and_ca_are_public_and_the_office_alone_reads_reports(world, sent):
    assert world.call("GET", "/.well-known/jwks.json")[0] == 200
    assert b"BEGIN CERTIFICATE" in world.ok("GET", "/.well-known/report-ca.pem", accept="application/x-pem-file")
    assert world.call("GET", f"/reports/{sent['id']}", world.health)[0] == 403
    assert world.call("GET", f"/reports/{sent['id']}/report.jws")[0] == 401


def test_kms_signer_key_and_signature_format_as_far_as_moto_goes(aws, tmp_path):
    kms = boto3.client("kms", region_name="ap-southeast-1")
    key_id = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    signer = KmsSigner(kms, key_id)
    jwk = signer.public_jwk()
    assert jwk["crv"] == "P-256" and jwk["kid"] == signer.key_id
    data = b"header.payload"
    raw = signer.sign(data)
    assert len(raw) == 64
    # KMS's own verify accepts the DER form of our r||s over the digest we sent it
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    answer = kms.verify(KeyId=key_id, Message=hashlib.sha256(data).digest(), MessageType="DIGEST", Signature=der,
                        SigningAlgorithm="ECDSA_SHA_256")  # fmt: skip
    assert answer["SignatureValid"]
    # (moto hashes a DIGEST message again, so a JWS signed by moto's KMS does not verify; AWS KMS signs the digest.)
    # The same adapter over a KMS that signs digests as AWS does gives a JWS that verifies:
    local = LocalSigner(tmp_path / "k.pem")

    class DigestKms:
        def get_public_key(self, KeyId):
            from cryptography.hazmat.primitives import serialization

            public = local._key.public_key()
            return {"PublicKey": public.public_bytes(serialization.Encoding.DER,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo)}  # fmt: skip

        def sign(self, KeyId, Message, MessageType, SigningAlgorithm):
            from cryptography.hazmat.primitives import hashes
            from cryptography.hazmat.primitives.asymmetric import ec
            from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

            assert MessageType == "DIGEST" and len(Message) == 32
            return {"Signature": local._key.sign(Message, ec.ECDSA(Prehashed(hashes.SHA256())))}

    digest_signer = KmsSigner(DigestKms(), "alias/reports")
    doc = {"type": "smartcommune.report/v1", "id": "monthly-2026-11", "version": 1, "commune_id": "giao-phong"}
    jws, _ = sign_document(doc, digest_signer)
    assert verify(jws, {"keys": [digest_signer.public_jwk()]}).valid


def test_in_aws_reports_are_signed_in_kms_and_locally_with_the_key_file(aws, world, sent):
    # The deployed functions name the KMS key; the local stand-ins make no signing key (moto's does not sign a
    # digest as AWS does), so the local environment names none and the stack signs with its key file
    from smartcommune_local.template import load_template

    variables = load_template()["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["SMARTCOMMUNE_REPORT_KMS_KEY_ID"] == {"Ref": "ReportSigningKey"}
    assert "SMARTCOMMUNE_REPORT_KMS_KEY_ID" not in aws.environment()
    jwks = world.ok("GET", "/.well-known/jwks.json")
    assert [k["kty"] for k in jwks["keys"]] == ["EC"]

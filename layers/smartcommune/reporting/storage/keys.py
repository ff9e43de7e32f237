"""The keys reports are signed with: ES256 for the JWS (a key file locally, KMS in AWS) and the PAdES signer of
the PDF (a demo CA made here locally, the commune's own certificate in AWS).

Locally everything lives under ``<data dir>/reports/`` (``DATA_DIR``, ``.local`` by default): ``jws-signing-key.pem``
and ``demo-ca/`` (``root.pem`` is the root to trust, ``signer.pem`` and ``signer-key.pem`` the commune's demo
certificate). In AWS: ``SMARTCOMMUNE_REPORT_KMS_KEY_ID`` names an asymmetric KMS key (``ECC_NIST_P256``,
``SIGN_VERIFY``); ``SMARTCOMMUNE_REPORT_PDF_SIGNER_SECRET_ARN`` a Secrets Manager secret holding the commune's
certificate, its chain and private key as one PEM bundle (``docs/reporting.md``).
"""

from __future__ import annotations

import io
import re
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from smartcommune.reporting.logic.signing import public_jwk

_lock = threading.Lock()


def _raw_signature(der: bytes) -> bytes:
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.chmod(0o600)
    tmp.replace(path)


def _load_or_create_key(path: Path) -> ec.EllipticCurvePrivateKey:
    with _lock:
        if not path.is_file():
            key = ec.generate_private_key(ec.SECP256R1())
            _write_private(
                path,
                key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                ),
            )
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, ec.EllipticCurvePrivateKey) or loaded.curve.name != "secp256r1":
        raise ValueError(f"{path}: not a P-256 private key")
    return loaded


class LocalSigner:
    """ES256 with a P-256 key kept in a file (made on first use, mode 0600)."""

    def __init__(self, path: Path) -> None:
        self._key = _load_or_create_key(path)
        self._jwk = public_jwk(self._key.public_key())

    @property
    def key_id(self) -> str:
        return str(self._jwk["kid"])

    def sign(self, data: bytes) -> bytes:
        return _raw_signature(self._key.sign(data, ec.ECDSA(hashes.SHA256())))

    def public_jwk(self) -> dict[str, Any]:
        return dict(self._jwk)


# ---------------------------------------------------------------- PDF (PAdES)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "SmartCommune (demo)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def ensure_demo_ca(directory: Path, commune_name: str = "UBND xã (demo)") -> tuple[Path, Path, Path]:
    """The local demo CA (``root.pem``) and a signing certificate it issued (``signer.pem``, ``signer-key.pem``)."""
    root_path, cert_path, key_path = directory / "root.pem", directory / "signer.pem", directory / "signer-key.pem"
    with _lock:
        if root_path.is_file() and cert_path.is_file() and key_path.is_file():
            return root_path, cert_path, key_path
        now = datetime.now(UTC) - timedelta(minutes=5)
        root_key = ec.generate_private_key(ec.SECP256R1())
        root_name = _name("SmartCommune Demo Report CA")
        root = (
            x509.CertificateBuilder()
            .subject_name(root_name)
            .issuer_name(root_name)
            .public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256())
        )
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(commune_name))
            .issuer_name(root_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + timedelta(days=825))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256())
        )
        directory.mkdir(parents=True, exist_ok=True)
        _write_private(
            key_path,
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
        )
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        root_path.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    return root_path, cert_path, key_path


class PadesSigner:
    """PAdES (ETSI.CAdES.detached) with pyHanko, from a certificate, its private key and its chain (PEM)."""

    def __init__(self, cert_pem: bytes, key_pem: bytes, chain_pem: list[bytes], root_pem: bytes) -> None:
        from asn1crypto import keys as asn1_keys
        from asn1crypto import pem as asn1_pem
        from asn1crypto import x509 as asn1_x509
        from pyhanko.sign import signers
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        def cert(data: bytes) -> Any:
            return asn1_x509.Certificate.load(asn1_pem.unarmor(data)[2])

        private = serialization.load_pem_private_key(key_pem, password=None)
        der = private.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self._signer = signers.SimpleSigner(
            signing_cert=cert(cert_pem),
            signing_key=asn1_keys.PrivateKeyInfo.load(der),
            cert_registry=SimpleCertificateStore.from_certs([cert(c) for c in chain_pem]),
        )
        self._root_pem = root_pem.decode("ascii")

    def sign(self, pdf: bytes, *, reason: str, location: str) -> bytes:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers

        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        meta = signers.PdfSignatureMetadata(
            field_name="ChuKyXa",
            reason=reason,
            location=location,
            subfilter=fields.SigSeedSubFilter.PADES,
        )
        out = io.BytesIO()
        signers.sign_pdf(writer, meta, signer=self._signer, output=out)
        return out.getvalue()

    def ca_pem(self) -> str:
        return self._root_pem


def local_pades_signer(directory: Path) -> PadesSigner:
    root, cert, key = ensure_demo_ca(directory)
    return PadesSigner(cert.read_bytes(), key.read_bytes(), [root.read_bytes()], root.read_bytes())


_PEM = re.compile(r"-----BEGIN ([A-Z ]+)-----.*?-----END \1-----", re.S)


def bundle_pades_signer(bundle: str) -> PadesSigner:
    """From one PEM bundle: the private key, the commune's certificate first, then its chain up to the root."""
    blocks = [(m.group(1), m.group(0).encode()) for m in _PEM.finditer(bundle)]
    keys = [pem for kind, pem in blocks if kind.endswith("PRIVATE KEY")]
    certs = [pem for kind, pem in blocks if kind == "CERTIFICATE"]
    if not keys or not certs:
        raise ValueError("the PEM bundle needs a private key and the commune's certificate")
    return PadesSigner(certs[0], keys[0], certs[1:], certs[-1])

"""The local certificate authority: mutual TLS on the local broker as on AWS IoT Core.

``LocalPki(<data_dir>/pki)`` makes, once, a CA (EC P-256) and caches every certificate it issues under that
directory: the broker's server certificate (``subjectAltName=IP:127.0.0.1``), one device certificate per speaker
(CN = thing name, as IoT Core's ``iot:Connection.Thing.ThingName``) and the platform's own (CN = the platform's
broker identity). The broker takes the CN as the username (``use_identity_as_username``) and applies the ACL to
it, so a certificate is the only credential there is.

Usage::

    pki = LocalPki(data_dir / "pki")
    files = pki.device("gp-spk-01a")        # TlsFiles(cert_path, key_path, ca_path), issued once then reused
    settings = settings.model_copy(update=platform_tls_settings(data_dir))
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import threading
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from smartcommune.devices.storage.mqtt import TlsFiles

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_VALID_FOR = dt.timedelta(days=3650)
SERVER_NAME = "mosquitto-local"


def pki_dir(data_dir: str | Path) -> Path:
    return Path(data_dir) / "pki"


def platform_tls_settings(data_dir: str | Path, identity: str = "platform") -> dict[str, Any]:
    """The settings fields that make the platform's MQTT clients use its certificate under ``data_dir``."""
    directory = pki_dir(data_dir)
    return {
        "mqtt_username": identity,
        "mqtt_cert_path": str(directory / f"{identity}.crt"),
        "mqtt_key_path": str(directory / f"{identity}.key"),
        "mqtt_ca_path": str(directory / "ca.crt"),
    }


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "SmartCommune local"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    tmp.chmod(0o600)
    tmp.replace(path)


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    tmp.replace(path)


class LocalPki:
    """A CA and the certificates it issued, cached in ``directory`` (``ca.crt``, ``<cn>.crt``/``<cn>.key``)."""

    def __init__(self, directory: str | Path, *, ca_name: str = "SmartCommune local CA") -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.ca_path = self.directory / "ca.crt"
        ca_key_path = self.directory / "ca.key"
        if self.ca_path.is_file() and ca_key_path.is_file():
            self._ca_cert = x509.load_pem_x509_certificate(self.ca_path.read_bytes())
            key = serialization.load_pem_private_key(ca_key_path.read_bytes(), None)
            assert isinstance(key, ec.EllipticCurvePrivateKey)
            self._ca_key = key
            return
        self._ca_key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        self._ca_cert = (
            x509.CertificateBuilder()
            .subject_name(_name(ca_name))
            .issuer_name(_name(ca_name))
            .public_key(self._ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + _VALID_FOR)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
            )  # key_cert_sign, crl_sign
            .sign(self._ca_key, hashes.SHA256())
        )
        _write_key(ca_key_path, self._ca_key)
        _write_cert(self.ca_path, self._ca_cert)
        for stale in self.directory.glob("*.crt"):  # issued by an earlier CA: no longer valid
            if stale != self.ca_path:
                stale.unlink()

    def _issue(self, cn: str, *, server: bool) -> TlsFiles:
        cert_path, key_path = self.directory / f"{cn}.crt", self.directory / f"{cn}.key"
        with self._lock:
            if cert_path.is_file() and key_path.is_file():
                return TlsFiles(str(cert_path), str(key_path), str(self.ca_path))
            key = ec.generate_private_key(ec.SECP256R1())
            now = dt.datetime.now(dt.UTC)
            builder = (
                x509.CertificateBuilder()
                .subject_name(_name(cn))
                .issuer_name(self._ca_cert.subject)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(minutes=5))
                .not_valid_after(now + _VALID_FOR)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(
                    x509.ExtendedKeyUsage(
                        [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]
                    ),
                    critical=False,
                )
            )
            if server:
                builder = builder.add_extension(
                    x509.SubjectAlternativeName(
                        [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
                    ),
                    critical=False,
                )
            cert = builder.sign(self._ca_key, hashes.SHA256())
            _write_key(key_path, key)
            _write_cert(cert_path, cert)
            return TlsFiles(str(cert_path), str(key_path), str(self.ca_path))

    def server(self) -> TlsFiles:
        """The broker's certificate for 127.0.0.1."""
        return self._issue(SERVER_NAME, server=True)

    def client(self, identity: str) -> TlsFiles:
        """A client certificate with CN = ``identity`` (a thing name, or the platform's broker identity)."""
        if not _NAME.match(identity) or identity == SERVER_NAME:
            raise ValueError(f"not a certificate identity: {identity!r}")
        return self._issue(identity, server=False)

    device = client

"""``smartcommune report …``: signed reports of the running local stack.

``report export --latest --out FILE`` writes the latest sent report as its JWS (``--pdf``: as its PAdES-signed
PDF; ``--format dhis2|xlsx``: the exports); ``--id REPORT_ID`` picks one report instead. ``report verify FILE``
checks a JWS against the JWKS (``--jwks FILE|URL``; default: the running stack's ``/.well-known/jwks.json``, else
the local key) or a PDF's PAdES signature against the demo CA root (``--ca FILE``); it exits 0 on an intact
report, 1 on any change.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smartcommune.core.services import Services


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="report_command", required=True, metavar="ACTION")
    export = sub.add_parser("export", help="xuất báo cáo đã gửi / export a sent report")
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument("--latest", action="store_true", help="báo cáo gửi gần nhất / the latest sent report")
    which.add_argument("--id", metavar="REPORT_ID", help="mã báo cáo / a report id")
    export.add_argument("--pdf", action="store_true", help="PDF có chữ ký PAdES / the PAdES-signed PDF")
    export.add_argument("--format", choices=("jws", "pdf", "dhis2", "xlsx"), default=None)
    export.add_argument("--out", required=True, metavar="FILE")
    export.add_argument("--commune", default="giao-phong", metavar="ID")
    export.set_defaults(handler=export_command)
    verify = sub.add_parser("verify", help="kiểm tra chữ ký báo cáo / verify a signed report (JWS or PDF)")
    verify.add_argument("file", metavar="FILE")
    verify.add_argument("--jwks", metavar="FILE|URL", help="JWKS (mặc định: của hệ thống đang chạy)")
    verify.add_argument("--ca", metavar="FILE", help="gốc tin cậy cho PDF (mặc định: CA demo cục bộ)")
    verify.set_defaults(handler=verify_command)


def _services() -> Services:
    from smartcommune_local.cli_fees import _services as stack_services

    return stack_services()


def export_report(services: Services, commune_id: str, report_id: str | None, kind: str) -> bytes:
    """The report (``report_id``, else the latest sent) in ``kind``: jws, pdf, dhis2 or xlsx."""
    from smartcommune.reporting.wiring import reports

    service = services.get(reports)
    report = service.latest_sent(commune_id) if report_id is None else service.sent_version(commune_id, report_id)
    if kind == "pdf":
        return service.pdf(commune_id, report.id)
    if kind == "dhis2":
        return json.dumps(service.dhis2(commune_id, report.id), ensure_ascii=False, indent=1).encode()
    if kind == "xlsx":
        return service.xlsx(commune_id, report.id)
    return (service.signed_jws(commune_id, report.id) + "\n").encode("ascii")


def export_command(args: argparse.Namespace, services: Services | None = None) -> int:
    from smartcommune.core.errors import SmartCommuneError

    kind = args.format or ("pdf" if args.pdf else "jws")
    try:
        data = export_report(services or _services(), args.commune, args.id, kind)
    except SmartCommuneError as exc:
        print(f"{exc.message} / {exc.message_en}", file=sys.stderr)
        return 1
    Path(args.out).write_bytes(data)
    print(f"Đã ghi / written: {args.out} ({len(data)} bytes, {kind})")
    return 0


def _jwks(source: str | None, services_factory: Any) -> dict[str, Any]:
    """The JWKS from a file or URL, else the running stack's, else the local key's."""
    import urllib.request

    if source and not source.startswith(("http://", "https://")):
        loaded: dict[str, Any] = json.loads(Path(source).read_text(encoding="utf-8"))
        return loaded
    url = source
    if url is None:
        from smartcommune_local.stack_config import StackConfig, read_stack_file

        running = read_stack_file(StackConfig.from_env().data_dir)
        url = f"{running['api_url']}/.well-known/jwks.json" if running else None
    if url is not None:
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - a URL the developer gave, or the stack's
            fetched: dict[str, Any] = json.loads(answer.read())
            return fetched
    from smartcommune.reporting.wiring import reports

    return services_factory().get(reports).jwks()


def verify_pdf(data: bytes, root_pem: bytes) -> tuple[bool, str]:
    """Whether the PDF's signature is intact, trusted under ``root_pem`` and covers the whole file."""
    import io

    from asn1crypto import pem as asn1_pem
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data))
        signatures = reader.embedded_signatures
    except Exception as exc:  # a damaged PDF is simply not intact
        return False, f"PDF hỏng / damaged PDF: {exc}"
    if not signatures:
        return False, "PDF không có chữ ký / the PDF is not signed"
    root = asn1_x509.Certificate.load(asn1_pem.unarmor(root_pem)[2])
    try:
        status = validate_pdf_signature(signatures[-1], ValidationContext(trust_roots=[root]))
    except Exception as exc:
        return False, f"không kiểm tra được / could not validate: {exc}"
    whole = status.coverage is not None and status.coverage.name == "ENTIRE_FILE"
    ok = bool(status.intact and status.valid and status.trusted and whole)
    return ok, status.summary()


def verify_command(args: argparse.Namespace, services: Services | None = None) -> int:
    from smartcommune.reporting.logic.signing import verify

    data = Path(args.file).read_bytes()

    def factory() -> Services:
        return services or _services()

    if data.startswith(b"%PDF"):
        if args.ca:
            root = Path(args.ca).read_bytes()
        else:
            from smartcommune.reporting.wiring import reports

            root = factory().get(reports).ca_pem().encode()
        ok, summary = verify_pdf(data, root)
        print(("HỢP LỆ / VALID: " if ok else "KHÔNG HỢP LỆ / INVALID: ") + summary)
        return 0 if ok else 1
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        print("KHÔNG HỢP LỆ / INVALID: không phải JWS / not a JWS")
        return 1
    result = verify(text, _jwks(args.jwks, factory))
    if result.valid:
        print(
            f"HỢP LỆ / VALID: báo cáo {result.report_id} phiên bản {result.version} của {result.commune_id}, "
            f"khóa {result.key_id}"
        )
        return 0
    print(f"KHÔNG HỢP LỆ / INVALID: {result.problem}")
    return 1

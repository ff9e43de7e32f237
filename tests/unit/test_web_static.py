"""The S3-hosted pages, read as files: the security and size rules every page must keep, checked without a browser."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "web"
PAGES = sorted(WEB.glob("*/index.html"))
SCRIPTS = sorted(WEB.rglob("*.js"))
PAGE_BUDGET_BYTES = 60 * 1024

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'"
)
# JavaScript that would parse strings as HTML or code, or write inline styles/handlers that the CSP refuses.
FORBIDDEN_JS = {
    "innerHTML": re.compile(r"\binnerHTML\b"),
    "outerHTML": re.compile(r"\bouterHTML\b"),
    "insertAdjacentHTML": re.compile(r"\binsertAdjacentHTML\b"),
    "document.write": re.compile(r"\bdocument\.write(ln)?\b"),
    "eval": re.compile(r"(?<![\w.])eval\s*\("),
    "new Function": re.compile(r"\bnew\s+Function\b"),
    "string timer": re.compile(r"\bset(Timeout|Interval)\(\s*['\"`]"),
    "createContextualFragment": re.compile(r"\bcreateContextualFragment\b"),
    "inline style or handler attribute": re.compile(r"setAttribute\(\s*['\"](style|on\w+)['\"]"),
}
IMPORT = re.compile(r"""^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]""", re.M)


@dataclass
class ParsedPage:
    """What a page declares: its root attributes, metas, references and any inline code or style."""

    html_attrs: dict[str, str | None] = field(default_factory=dict)
    metas: list[dict[str, str | None]] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    inline_scripts: list[str] = field(default_factory=list)
    handler_attrs: list[str] = field(default_factory=list)
    style_attrs: list[str] = field(default_factory=list)
    style_elements: int = 0
    noscript: int = 0


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = ParsedPage()
        self._in_script = False
        self._script_body: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for name, _ in attrs:
            if name.startswith("on"):
                self.page.handler_attrs.append(f"<{tag} {name}>")
            if name == "style":
                self.page.style_attrs.append(f"<{tag} style>")
        if tag == "html":
            self.page.html_attrs = named
        elif tag == "meta":
            self.page.metas.append(named)
        elif tag == "script":
            self._in_script = True
            self._script_body = []
            if named.get("src"):
                self.page.references.append(str(named["src"]))
        elif tag == "link" and named.get("href"):
            self.page.references.append(str(named["href"]))
        elif tag in {"img", "source", "audio", "video", "iframe"} and named.get("src"):
            self.page.references.append(str(named["src"]))
        elif tag == "style":
            self.page.style_elements += 1
        elif tag == "noscript":
            self.page.noscript += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False
            body = "".join(self._script_body).strip()
            if body:
                self.page.inline_scripts.append(body)

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self._script_body.append(data)


def parse(page: Path) -> ParsedPage:
    parser = _PageParser()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.page


def local_file(reference: str, referrer: Path) -> Path | None:
    """The file a same-site URL points to (``/shared/x.js`` from the web root, ``x.js`` beside the referrer)."""
    if re.match(r"^(?:[a-z]+:)?//", reference) or reference.startswith(("data:", "blob:", "#")):
        return None
    path = reference.split("?", 1)[0].split("#", 1)[0]
    return WEB / path.lstrip("/") if path.startswith("/") else referrer.parent / path


def js_imports(script: Path) -> list[str]:
    return [a or b for a, b in IMPORT.findall(script.read_text(encoding="utf-8"))]


def transfer_files(page: Path) -> set[Path]:
    """The page and every local file it loads, following stylesheet url()s and module imports."""
    seen: set[Path] = {page}
    todo = [(ref, page) for ref in parse(page).references]
    while todo:
        reference, referrer = todo.pop()
        target = local_file(reference, referrer)
        if target is None or target in seen:
            continue
        seen.add(target)
        if target.suffix == ".js" and target.exists():
            todo += [(ref, target) for ref in js_imports(target)]
        if target.suffix == ".css" and target.exists():
            css = target.read_text(encoding="utf-8")
            todo += [(ref, target) for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)", css)]
    return seen


def page_id(page: Path) -> str:
    return page.parent.name


def test_the_three_sites_exist() -> None:
    # Given the web folder / Then it holds the citizen portal, the admin site and the dashboard
    assert {page_id(p) for p in PAGES} == {"citizen", "admin", "dashboard"}


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_page_declares_the_content_security_policy(page: Path) -> None:
    # Given a page / When its metas are read / Then the CSP meta is exactly the agreed policy
    metas = parse(page).metas
    policies = [m.get("content") for m in metas if (m.get("http-equiv") or "").lower() == "content-security-policy"]
    assert policies == [CSP]


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_page_has_no_inline_script_handler_or_style(page: Path) -> None:
    # Given a page / Then nothing in it would need 'unsafe-inline' (the CSP would block it silently)
    parsed = parse(page)
    assert parsed.inline_scripts == []
    assert parsed.handler_attrs == []
    assert parsed.style_attrs == []
    assert parsed.style_elements == 0


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_page_is_vietnamese_mobile_ready_and_explains_itself_without_javascript(page: Path) -> None:
    parsed = parse(page)
    assert parsed.html_attrs.get("lang") == "vi"
    assert any(m.get("charset", "").lower() == "utf-8" for m in parsed.metas if m.get("charset"))
    viewports = [m.get("content") or "" for m in parsed.metas if m.get("name") == "viewport"]
    assert viewports and "width=device-width" in viewports[0]
    assert parsed.noscript == 1


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_local_asset_a_page_loads_exists(page: Path) -> None:
    # Given a page and everything it loads (scripts, their imports, stylesheets, icons)
    files = transfer_files(page)
    # Then each one is in the web folder, and nothing is loaded from another site
    missing = sorted(str(f.relative_to(WEB)) for f in files if not f.is_file())
    assert missing == []
    external = [r for r in parse(page).references if local_file(r, page) is None]
    assert external == []


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_page_transfer_stays_under_the_budget(page: Path) -> None:
    total = sum(f.stat().st_size for f in transfer_files(page))
    assert total < PAGE_BUDGET_BYTES, f"{page_id(page)} loads {total} bytes"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: str(s.relative_to(WEB)))
def test_scripts_never_turn_strings_into_html_or_code(script: Path) -> None:
    text = script.read_text(encoding="utf-8")
    found = [name for name, pattern in FORBIDDEN_JS.items() if pattern.search(text)]
    assert found == []


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: str(s.relative_to(WEB)))
def test_script_imports_resolve_to_files(script: Path) -> None:
    missing = [ref for ref in js_imports(script) if (target := local_file(ref, script)) is None or not target.is_file()]
    assert missing == []


def test_the_checks_above_catch_what_they_are_for(tmp_path: Path) -> None:
    # Given a page breaking every rule / When it is parsed / Then each breach is seen (the tests above can fail)
    bad = tmp_path / "bad" / "index.html"
    bad.parent.mkdir()
    bad.write_text(
        "<html><head><script>alert(1)</script><style>p{}</style></head>"
        '<body onload="x()"><p style="color:red">x</p><img src="https://example.com/a.png"></body></html>',
        encoding="utf-8",
    )
    parsed = parse(bad)
    assert parsed.inline_scripts == ["alert(1)"]
    assert parsed.handler_attrs == ["<body onload>"]
    assert parsed.style_attrs == ["<p style>"]
    assert parsed.style_elements == 1
    assert local_file("https://example.com/a.png", bad) is None
    assert FORBIDDEN_JS["innerHTML"].search("el.innerHTML = data")
    assert FORBIDDEN_JS["eval"].search("eval('1')")
    assert not FORBIDDEN_JS["eval"].search("retrieval(1)")

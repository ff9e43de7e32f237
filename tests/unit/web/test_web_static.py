"""The S3-hosted pages, read as files: the security and size rules every page must keep, checked without a browser."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[3] / "web"
PAGES = sorted(WEB.glob("*/index.html"))
VENDOR = WEB / "vendor"  # third-party libraries copied from npm at build time (``make web``), checked upstream
BUILD_ONLY = ("node_modules", "vendor")
SCRIPTS = sorted(p for p in WEB.rglob("*.js") if p.relative_to(WEB).parts[0] not in BUILD_ONLY)
PAGE_BUDGET_BYTES = 60 * 1024
VENDOR_BUDGET_BYTES = 240 * 1024
"""What a page may load of vendored libraries on top of its own budget (the dashboard's charts and map: minified
uPlot and Leaflet, cached by the hall screen and the staff laptops)."""

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
DYNAMIC_IMPORT = re.compile(r"""\bimport\(\s*['"]([^'"]+)['"]\s*\)""")
# A view loaded on demand (dynamic import()) may add at most this much to what the page already loaded.
LAZY_VIEW_BUDGET_BYTES = 30 * 1024
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


def lazy_modules(files: set[Path]) -> set[Path]:
    """The modules ``files`` load later with ``import('…')``, and theirs in turn."""
    found: set[Path] = set()
    todo = [f for f in files if f.suffix == ".js" and f.is_file()]
    while todo:
        script = todo.pop()
        for reference in DYNAMIC_IMPORT.findall(script.read_text(encoding="utf-8")):
            target = local_file(reference, script)
            if target is not None and target not in found:
                found.add(target)
                if target.is_file():
                    todo += [f for f in transfer_files_of_module(target) if f.suffix == ".js"]
    return found


def transfer_files_of_module(module: Path) -> set[Path]:
    """A module and everything it imports statically."""
    seen = {module}
    todo = [(ref, module) for ref in js_imports(module)] if module.is_file() else []
    while todo:
        reference, referrer = todo.pop()
        target = local_file(reference, referrer)
        if target is None or target in seen:
            continue
        seen.add(target)
        if target.is_file():
            todo += [(ref, target) for ref in js_imports(target)]
    return seen


def page_id(page: Path) -> str:
    return page.parent.name


def test_the_sites_exist() -> None:
    # Given the web folder / Then it holds the citizen portal, the admin site, the dashboard, the station queue and
    # the commune website
    assert {page_id(p) for p in PAGES} == {"citizen", "admin", "dashboard", "queue", "site"}


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
    files = transfer_files(page)
    own = sum(f.stat().st_size for f in files if VENDOR not in f.parents)
    vendored = sum(f.stat().st_size for f in files if VENDOR in f.parents)
    assert own < PAGE_BUDGET_BYTES, f"{page_id(page)} loads {own} bytes"
    assert vendored < VENDOR_BUDGET_BYTES, f"{page_id(page)} loads {vendored} bytes of vendored libraries"


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_views_loaded_on_demand_exist_and_each_adds_little_to_the_page(page: Path) -> None:
    # Given a page's first load and the view modules it imports later (import('…'))
    first = transfer_files(page)
    for module in lazy_modules(first):
        # Then each exists, and opening it costs at most the lazy-view budget on top of the first load
        assert module.is_file(), module
        extra = transfer_files_of_module(module) - first
        missing = sorted(str(f.relative_to(WEB)) for f in extra if not f.is_file())
        assert missing == []
        size = sum(f.stat().st_size for f in extra)
        assert size < LAZY_VIEW_BUDGET_BYTES, f"{module.relative_to(WEB)} adds {size} bytes"


def test_the_citizen_portal_splits_feedback_views_out_of_its_first_load() -> None:
    # Given the citizen portal (cheap phones, slow links)
    page = WEB / "citizen" / "index.html"
    first = transfer_files(page)
    # Then the feedback views are not part of the first load but are loaded on demand
    assert WEB / "citizen" / "feedback.js" not in first
    assert WEB / "citizen" / "feedback.js" in lazy_modules(first)


@pytest.mark.parametrize(
    ("site", "view"),
    [
        ("admin", "feedback.js"),
        ("admin", "stats.js"),
        ("admin", "broadcast.js"),
        ("admin", "devices.js"),
        ("admin", "staff.js"),
        ("admin", "cccd.js"),
        ("citizen", "alerts.js"),
        ("citizen", "health.js"),
        ("admin", "health.js"),
        ("citizen", "waste.js"),
        ("admin", "fees.js"),
        ("admin", "reports.js"),
        ("admin", "site.js"),
        ("admin", "facilities.js"),
    ],
)
def test_each_section_view_is_loaded_on_demand_not_with_the_page(site: str, view: str) -> None:
    # Given a site's first load / Then the view's module is not part of it but is imported on demand (so the
    # lazy-view budget and the asset checks above cover it)
    first = transfer_files(WEB / site / "index.html")
    assert WEB / site / view not in first
    assert WEB / site / view in lazy_modules(first)


def test_every_english_text_of_the_citizen_portal_replaces_plain_text_only() -> None:
    # Given the elements the language switch rewrites (data-en): swapping their text must not drop child elements
    class Marked(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[tuple[str, bool]] = []
            self.bad: list[str] = []
            self.count = 0

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if any(marked for _, marked in self.stack):
                self.bad.append(f"<{tag}> inside a data-en element")
            marked = any(name == "data-en" for name, _ in attrs)
            self.count += marked
            if tag not in {"meta", "link", "input", "br", "img"}:
                self.stack.append((tag, marked))

        def handle_endtag(self, tag: str) -> None:
            if self.stack and self.stack[-1][0] == tag:
                self.stack.pop()

    parser = Marked()
    parser.feed((WEB / "citizen" / "index.html").read_text(encoding="utf-8"))
    # Then there are many, and none holds an element
    assert parser.count >= 20
    assert parser.bad == []


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

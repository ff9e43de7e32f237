"""Vendor the pages' npm libraries into the served site: ``web/package-lock.json`` → ``npm ci`` → ``web/vendor/``.

The pages never load a library from a CDN at run time (the CSP allows only ``'self'``): uPlot (charts) and Leaflet
(the hamlet map) are installed from the npm registry at build time, exactly as the lockfile pins them, and their
minified builds (classic scripts that define ``uPlot`` and ``L``), stylesheets and images copied under
``web/vendor/`` (not committed; ``.gitignore``). Idempotent: ``npm ci`` runs only when the lockfile changed since
the last install (a stamp in ``web/node_modules/``), files are copied only when they differ. ``make web`` runs it;
``smartcommune up`` runs it before the site is uploaded, and ``make up``, ``make test``, ``make package`` first.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from smartcommune_local.template import REPO_ROOT

WEB_DIR = REPO_ROOT / "web"
STAMP_NAME = ".smartcommune-lock.sha256"
LEAFLET_IMAGES = ("layers.png", "layers-2x.png", "marker-icon.png", "marker-icon-2x.png", "marker-shadow.png")
# node_modules path → path under web/vendor/ (what the pages load; leaflet.css names the images)
VENDOR_FILES: dict[str, str] = {
    "uplot/dist/uPlot.iife.min.js": "uplot/uPlot.iife.min.js",
    "uplot/dist/uPlot.min.css": "uplot/uPlot.min.css",
    "uplot/LICENSE": "uplot/LICENSE",
    "leaflet/dist/leaflet.js": "leaflet/leaflet.js",
    "leaflet/dist/leaflet.css": "leaflet/leaflet.css",
    **{f"leaflet/dist/images/{name}": f"leaflet/images/{name}" for name in LEAFLET_IMAGES},
    "leaflet/LICENSE": "leaflet/LICENSE",
}
SKIPPED_IN_SITE = frozenset({"node_modules", "package.json", "package-lock.json"})
"""What ``web/`` holds for the build only, never uploaded to the web bucket."""


@dataclass(frozen=True)
class VendorResult:
    installed: bool  # npm ci ran
    copied: int  # files written under web/vendor/


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def vendor_web(web_dir: Path = WEB_DIR) -> VendorResult:
    """Install the lockfile's packages if needed and copy the files the pages use into ``web_dir/vendor``."""
    lock = web_dir / "package-lock.json"
    modules = web_dir / "node_modules"
    stamp = modules / STAMP_NAME
    wanted = _digest(lock)
    installed = False
    if (
        not stamp.is_file()
        or stamp.read_text().strip() != wanted
        or not all((modules / source).is_file() for source in VENDOR_FILES)
    ):
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is missing: install Node.js with npm (Debian: nodejs) to build the pages")
        command = [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
        subprocess.run(command, cwd=web_dir, check=True)
        stamp.write_text(wanted + "\n")
        installed = True
    copied = 0
    for source, target in VENDOR_FILES.items():
        src, dst = modules / source, web_dir / "vendor" / target
        if dst.is_file() and dst.read_bytes() == src.read_bytes():
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        copied += 1
    return VendorResult(installed=installed, copied=copied)


def main() -> int:
    result = vendor_web()
    print(f"web/vendor: npm ci {'ran' if result.installed else 'not needed'}, {result.copied} file(s) copied")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

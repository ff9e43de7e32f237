"""The pages' vendored libraries: copied from node_modules into web/vendor/ once (idempotent, no npm run when the
lockfile is unchanged), and the build-only files (npm's package files, node_modules/) never uploaded to the site."""

from __future__ import annotations

import hashlib

from smartcommune_local.edge import upload_site
from smartcommune_local.web_vendor import STAMP_NAME, VENDOR_FILES, vendor_web


def _web(tmp_path):
    web = tmp_path / "web"
    (web / "dashboard").mkdir(parents=True)
    (web / "dashboard" / "index.html").write_text("<!doctype html>")
    lock = web / "package-lock.json"
    lock.write_text('{"lockfileVersion": 3}')
    (web / "package.json").write_text("{}")
    for source in VENDOR_FILES:
        path = web / "node_modules" / source
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"// {source}")
    (web / "node_modules" / STAMP_NAME).write_text(hashlib.sha256(lock.read_bytes()).hexdigest())
    return web


def test_vendoring_copies_once_without_npm_when_the_lockfile_is_unchanged(tmp_path, monkeypatch):
    web = _web(tmp_path)
    monkeypatch.setattr("shutil.which", lambda name: None)  # npm would be needed only for a changed lockfile
    first = vendor_web(web)
    assert (first.installed, first.copied) == (False, len(VENDOR_FILES))
    assert (web / "vendor" / "uplot" / "uPlot.iife.min.js").read_text() == "// uplot/dist/uPlot.iife.min.js"
    second = vendor_web(web)
    assert (second.installed, second.copied) == (False, 0)


def test_the_site_upload_leaves_out_what_is_only_for_the_build(tmp_path):
    web = _web(tmp_path)
    vendor_web(web)
    keys: list[str] = []

    class S3:
        def put_object(self, **kwargs):
            keys.append(kwargs["Key"])

    upload_site(S3(), "bucket", web)
    assert "dashboard/index.html" in keys and "vendor/leaflet/leaflet.js" in keys
    assert not [k for k in keys if k.startswith("node_modules/") or k.startswith("package")]

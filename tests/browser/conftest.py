"""Headless Chromium (the system's, driven by playwright) against the built site, served over HTTP.

Needs ``apt-get install chromium`` and ``npm ci`` in tests/browser (for axe-core).
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import mimetypes
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("DLCOURSE_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    # Chromium opens several connections at once; with the default backlog of 5 a busy machine
    # drops connection attempts, which the browser retries after 1, 2, 4, 8... seconds (the
    # likely cause of a page that did not go idle within 30 s in CI).
    request_queue_size = 128


@contextlib.contextmanager
def serve(site: Path, handler: type[SimpleHTTPRequestHandler] = QuietHandler) -> Iterator[str]:
    """Serve ``site`` over HTTP on a free local port; yields the base URL."""
    server = _Server(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def site_dir(request: pytest.FixtureRequest) -> Path:
    """The built HTML: $DLCOURSE_SITE, else the ``built_site`` fixture of tests/conftest.py."""
    if os.environ.get("DLCOURSE_SITE"):
        return Path(os.environ["DLCOURSE_SITE"])
    return request.getfixturevalue("built_site")


@pytest.fixture(scope="session")
def serve_site():
    """:func:`serve`, for a test that builds a site of its own."""
    return serve


@pytest.fixture(scope="session")
def base_url(site_dir: Path) -> Iterator[str]:
    with serve(site_dir) as url:
        yield url


# what a static host (GitHub Pages) sends compressed
COMPRESSED = {".html", ".css", ".js", ".json", ".svg", ".txt", ".ipynb", ".map", ".xml"}


class GzipHandler(QuietHandler):
    """Static files, text compressed with gzip when the browser accepts it (as GitHub Pages)."""

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if (
            path.suffix not in COMPRESSED
            or not path.is_file()
            or "gzip" not in self.headers.get("Accept-Encoding", "")
        ):
            return super().do_GET()
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", mimetypes.guess_type(path.name)[0] or "text/plain")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="session")
def gzip_url(site_dir: Path) -> Iterator[str]:
    """The site served as a static host serves it, text compressed (for page weights)."""
    with serve(site_dir, GzipHandler) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser):
    """A fresh browser profile per test: empty localStorage."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.skip("axe-core is not installed: run `npm ci` in tests/browser")
    return AXE.read_text(encoding="utf-8")

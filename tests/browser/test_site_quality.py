"""The built site as a reader gets it: accessible in light and dark mode, light, searchable.

axe-core runs in headless Chromium over every reader page; the page weight is measured as
Chromium transfers it from a server that compresses text, as any static host does.
"""

from __future__ import annotations

import os
import time
from html.parser import HTMLParser
from pathlib import Path
from pprint import pformat

import pytest

# Written by Sphinx for its own machinery, not pages a reader navigates to (none at the moment:
# genindex.html, search.html and py-modindex.html are reader pages and are checked).
NOT_READER_PAGES: set[str] = set()
BUDGET_KB = 400  # compressed bytes a module page costs on a first visit, everything included
# A concept, and the module that teaches it: search must find the module.
CONCEPTS = {
    "dropout": "regularization-techniques",
    "broadcasting": "pytorch-setup-and-tensors",
    "backpropagation": "autograd-and-backpropagation",
}
AXE_RUN = """axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v => ({
  id: v.id, impact: v.impact, help: v.help,
  nodes: v.nodes.slice(0, 4).map(n => n.target.join(" ") + " :: " + n.failureSummary)})))"""


def reader_pages(site: Path) -> list[str]:
    """Every HTML page of the site, relative to its root (not the _static, _sources... folders)."""
    pages = [
        path.relative_to(site).as_posix()
        for path in site.rglob("*.html")
        if not any(part.startswith("_") for part in path.relative_to(site).parts)
    ]
    return sorted(set(pages) - NOT_READER_PAGES)


def module_pages(site: Path) -> list[str]:
    return [page for page in reader_pages(site) if page.startswith("modules/")]


# --- accessibility --------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_no_violations_on_any_page(context, page, base_url, site_dir, axe_source, theme):
    context.add_init_script(f"localStorage.mode = '{theme}'; localStorage.theme = '{theme}'")
    found = {}
    for path in reader_pages(site_dir):
        page.goto(f"{base_url}/{path}")
        assert page.evaluate("document.documentElement.dataset.theme") == theme
        # disclosed content (hints, worked answers) is checked as a reader opens it
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        # colours are checked once their transitions (e.g. a disclosure fading in) are over
        page.evaluate("Promise.all(document.getAnimations().map(a => a.finished))")
        page.add_script_tag(content=axe_source)
        violations = page.evaluate(AXE_RUN)
        if violations:
            found[path] = violations
    assert not found, f"axe-core violations in {theme} mode:\n{pformat(found, width=120)}"


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_no_violations_in_search_results(context, page, base_url, axe_source, theme):
    """Search results mark the terms searched for (a link's colour on the mark's colour)."""
    context.add_init_script(f"localStorage.mode = '{theme}'; localStorage.theme = '{theme}'")
    page.goto(f"{base_url}/search.html?q=tensor+gradient")
    page.wait_for_selector("#search-results .search-summary")
    page.wait_for_function("document.querySelectorAll('span.highlighted').length > 10")
    page.add_script_tag(content=axe_source)
    violations = page.evaluate(AXE_RUN)
    assert not violations, f"axe-core violations in {theme} mode:\n{pformat(violations)}"


class _ImagesWithoutAlt(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.missing: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "img" and not (attributes.get("alt") or "").strip():
            self.missing.append(attributes.get("src") or "?")


def test_every_figure_of_a_module_has_alt_text(site_dir):
    missing = {}
    for path in module_pages(site_dir):
        parser = _ImagesWithoutAlt()
        parser.feed((site_dir / path).read_text(encoding="utf-8"))
        if parser.missing:
            missing[path] = parser.missing
    assert not missing, (
        f"images without alt text (give the cell `mystnb: image: alt:`): {pformat(missing)}"
    )


# --- page weight ----------------------------------------------------------------------------------


def first_visit(context, url: str, quiet_ms: int = 500, timeout_s: float = 60) -> dict[str, int]:
    """Bytes transferred (compressed, headers included) per URL to load ``url`` with no cache.

    The page counts as loaded once its fonts are ready and no request has been in flight for
    ``quiet_ms``: the requests are followed here, so a request that never ends is named.
    """
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    urls: dict[str, str] = {}
    sizes: dict[str, int] = {}
    pending: set[str] = set()

    def sent(event: dict) -> None:
        urls[event["requestId"]] = event["request"]["url"]
        if event["request"]["url"].startswith("http"):  # a data: URL is no transfer to wait for
            pending.add(event["requestId"])

    def finished(event: dict) -> None:
        sizes[event["requestId"]] = event["encodedDataLength"]
        pending.discard(event["requestId"])

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.loadingFailed", lambda event: pending.discard(event["requestId"]))
    page.goto(url, wait_until="load", timeout=timeout_s * 1000)
    page.evaluate("document.fonts.ready.then(() => true)")
    deadline = time.monotonic() + timeout_s
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < quiet_ms / 1000:
        assert time.monotonic() < deadline, (
            f"{url}: still loading after {timeout_s:.0f} s: {sorted(urls[r] for r in pending)}"
        )
        page.wait_for_timeout(50)  # lets playwright deliver the network events
        if pending:
            quiet_since = time.monotonic()
    page.close()
    return {urls[r].split("?")[0].removeprefix(url.rsplit("/", 2)[0]): n for r, n in sizes.items()}


@pytest.mark.browser
def test_a_module_page_costs_at_most_the_budget_on_a_first_visit(context, gzip_url, site_dir):
    over = {}
    for path in module_pages(site_dir):
        requests = first_visit(context, f"{gzip_url}/{path}")
        assert any(u.endswith(path) for u in requests), f"{path} was not loaded: {requests}"
        total = sum(requests.values())
        if os.environ.get("DLCOURSE_WEIGHT_REPORT"):
            print(f"\n{path}: {total / 1000:.0f} KB in {len(requests)} requests")
            for u, n in sorted(requests.items(), key=lambda item: -item[1])[:8]:
                print(f"  {n / 1000:7.1f} KB  {u}")
        if total > BUDGET_KB * 1000:
            biggest = sorted(requests.items(), key=lambda item: -item[1])[:6]
            over[path] = (f"{total / 1000:.0f} KB", biggest)
    assert not over, f"module pages over {BUDGET_KB} KB compressed:\n{pformat(over, width=120)}"


# --- search ---------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("concept", sorted(CONCEPTS))
def test_searching_a_concept_finds_the_module_that_teaches_it(page, base_url, concept):
    page.goto(f"{base_url}/search.html?q={concept}")
    page.wait_for_selector("#search-results .search-summary")
    results = page.eval_on_selector_all(
        "#search-results ul.search > li > a", "links => links.map(a => a.getAttribute('href'))"
    )
    modules = [href.split("#")[0].split("?")[0] for href in results if "modules/" in href]
    assert f"modules/{CONCEPTS[concept]}.html" in modules[:2], (
        f"searching {concept!r} should find modules/{CONCEPTS[concept]}.html first, got {results}"
    )


@pytest.mark.browser
def test_a_page_has_one_search_field_and_it_searches(page, base_url):
    page.goto(f"{base_url}/modules/loss-functions.html")
    fields = page.locator(".search-button-field:visible")
    assert fields.count() == 1, "one search field (the theme can add a second, in a bar on top)"
    assert fields.first.evaluate("field => !!field.closest('.bd-sidebar-primary')")
    fields.first.click()
    page.keyboard.type("broadcasting")
    page.keyboard.press("Enter")
    page.wait_for_selector("#search-results .search-summary")
    assert "modules/pytorch-setup-and-tensors.html" in page.content()


@pytest.mark.browser
def test_only_the_search_page_downloads_the_search_index(context, gzip_url):
    """The index is 46 KB compressed for 26 modules and grows with the course: a page that
    only offers the search box must not pay for it, nor for the scripts that read it
    (docs/_templates/layout.html, dlcourse.book.theme)."""
    search_scripts = ("searchindex.js", "searchtools.js", "language_data.js", "sphinx_highlight.js")
    module = [
        url.split("?")[0] for url in first_visit(context, f"{gzip_url}/modules/loss-functions.html")
    ]
    assert not [url for url in module if url.endswith(search_scripts)], sorted(module)
    search = [
        url.split("?")[0] for url in first_visit(context, f"{gzip_url}/search.html?q=dropout")
    ]
    loaded = {name for name in search_scripts if any(url.endswith(name) for url in search)}
    assert loaded == set(search_scripts), sorted(search)


@pytest.mark.browser
def test_a_page_reached_from_search_works_and_highlights_nothing(page, base_url):
    """Sphinx marks the last search's terms on the next page, the navigation included, in a
    colour that fails contrast in dark mode: it is off, and the page runs without errors."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{base_url}/search.html?q=dropout")
    page.wait_for_selector("#search-results ul.search > li > a")
    page.click("#search-results ul.search > li > a")
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # Sphinx highlights from a timer after the page is ready
    assert "search.html" not in page.url
    assert page.locator("span.highlighted").count() == 0
    assert not errors, errors

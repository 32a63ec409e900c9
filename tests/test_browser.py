"""The built sites in a real browser: Debian's chromium driven by Playwright (sync API).

(a) the hostile site (every 'literal' case of tests/hostile/cases.yml): every page opens
    with no dialog, no console error, no request to another host and no injected element,
    also after searching for the hostile texts;
(b) the shipped 232-paper corpus, built into a temporary copy (conftest's shipped_site): Material's search finds a
    method name, a theme link leads to a theme page listing papers, and a paper's .bib
    download is one BibTeX entry with the right key.

Sites are served over http on 127.0.0.1 (Material's search needs http, not file://).
"""
from __future__ import annotations

import functools
import http.server
import re
import sys
import threading
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import bibtexparser
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hostile.support import html_pages, session_site  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", "--disable-sync"]

# Runs in the page: everything a corpus text could have injected into the live DOM.
FIND_INJECTED = """() => {
  const faults = [];
  const here = location.origin;
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.getAttributeNames()) {
      if (attr.toLowerCase().startsWith('on')) faults.push(`<${el.tagName}> has ${attr}`);
    }
  }
  for (const s of document.querySelectorAll('script')) {
    if (s.src) {
      if (new URL(s.src).origin !== here) faults.push(`script from ${s.src}`);
    } else if (/xss-|alert\\(|evil\\.example/.test(s.textContent) && s.type !== 'application/json') {
      faults.push(`inline script: ${s.textContent.slice(0, 100)}`);
    }
  }
  for (const a of document.querySelectorAll('a[href], area[href]')) {
    const href = a.getAttribute('href');
    let protocol;
    try { protocol = new URL(href, location.href).protocol; } catch (e) { protocol = 'unparsable:'; }
    if (!['http:', 'https:', 'mailto:'].includes(protocol)) faults.push(`link to ${href}`);
    if (href.includes('evil.example')) faults.push(`link to ${href}`);
  }
  for (const el of document.querySelectorAll('img[src], source[src], video[src], audio[src], svg image')) {
    const src = el.getAttribute('src') || el.getAttribute('href') || '';
    if (src.includes('evil.example') || /^\\s*(javascript|data):/i.test(src)) faults.push(`<${el.tagName}> ${src}`);
  }
  for (const el of document.querySelectorAll('iframe, object, embed, frame, base, meta[http-equiv="refresh" i]')) {
    faults.push(`<${el.tagName}> element`);
  }
  return faults;
}"""


THEME_PAGE = re.compile(r"/themes/[^/#?.]+/?$")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - http.server's name
        pass


@pytest.fixture(scope="module")
def serve():
    """serve(site_dir) -> base URL; every server is stopped at the end of the module."""
    servers = []

    def start(site: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(site))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run 'make system-deps' (Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


class Watch:
    """Dialogs, console errors, page errors and requests to other hosts on one page."""

    def __init__(self, page, base: str):
        self.dialogs, self.errors, self.foreign = [], [], []
        origin = urlsplit(base).netloc
        page.on("dialog", self._dialog)
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(f"console: {msg.text}"))
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("request", lambda req: urlsplit(req.url).scheme in {"http", "https", "ws", "wss"}
                and urlsplit(req.url).netloc != origin and self.foreign.append(req.url))

    def _dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def faults(self) -> list[str]:
        return ([f"dialog opened: {d}" for d in self.dialogs] + self.errors
                + [f"request to another host: {u}" for u in self.foreign])


# ---------------------------------------------------------------- (a) the hostile site

@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory, serve):
    return serve(session_site(tmp_path_factory, "hostile", "hostile").site)


@pytest.fixture(scope="module")
def hostile_pages(tmp_path_factory):
    site = session_site(tmp_path_factory, "hostile", "hostile").site
    return [p.relative_to(site).as_posix() for p in html_pages(site)]


def test_every_hostile_page_is_inert(browser, hostile_url, hostile_pages):
    context = browser.new_context()
    page = context.new_page()
    watch = Watch(page, hostile_url)
    faults = []
    for path in hostile_pages:
        url = urljoin(hostile_url, path.removesuffix("index.html"))
        response = page.goto(url, wait_until="load")
        if path != "404.html" and (response is None or response.status != 200):
            faults.append(f"{path}: HTTP {response.status if response else 'no response'}")
        page.wait_for_timeout(50)  # let Material's scripts run
        faults += [f"{path}: {f}" for f in page.evaluate(FIND_INJECTED)]
        faults += [f"{path}: {f}" for f in watch.faults()]
        watch.dialogs.clear(), watch.errors.clear(), watch.foreign.clear()
    context.close()
    assert len(hostile_pages) > 30
    assert not faults, "\n".join(faults[:40])


@pytest.mark.parametrize("query", ["xss", "script alert", "onerror", "javascript", "7*7", "evil.example"])
def test_searching_hostile_text_is_inert(browser, hostile_url, query):
    context = browser.new_context()
    page = context.new_page()
    watch = Watch(page, hostile_url)
    page.goto(hostile_url, wait_until="load")
    _search(page, query)
    page.wait_for_timeout(300)
    faults = page.evaluate(FIND_INJECTED) + watch.faults()
    context.close()
    assert not faults, "\n".join(faults)


def _search(page, query: str):
    """Open Material's search box, type, and wait for the result list to be written."""
    page.keyboard.press("/")  # Material's search shortcut; clicking the label works too
    box = page.locator("input.md-search__input")
    if not box.is_visible():
        page.locator("label.md-search__icon, label[for='__search']").first.click()
    box.wait_for(state="visible", timeout=10_000)
    box.press_sequentially(query, delay=20)
    page.wait_for_function(
        "() => { const m = document.querySelector('.md-search-result__meta');"
        " return m && !/Initializing|Type to start/i.test(m.textContent); }", timeout=20_000)


# ---------------------------------------------------------------- (b) the shipped corpus

@pytest.fixture(scope="module")
def shipped(shipped_site):
    """conftest's session build of the shipped corpus (a temporary copy): its site/."""
    root, _summary = shipped_site
    return root / "site"


@pytest.fixture(scope="module")
def shipped_url(shipped, serve):
    return serve(shipped)


def _paper_with_title(site: Path, word: str) -> str:
    import json

    papers = json.loads((site / "data" / "papers.json").read_text(encoding="utf-8"))
    keys = [p["key"] for p in papers if word in json.dumps(p.get("title", ""), ensure_ascii=False)]
    assert keys, f"no paper titled with {word!r} in papers.json"
    return keys[0]


def test_search_finds_a_method_name(browser, shipped, shipped_url):
    key = _paper_with_title(shipped, "StyleSDF")
    context = browser.new_context()
    page = context.new_page()
    watch = Watch(page, shipped_url)
    page.goto(shipped_url, wait_until="load")
    _search(page, "StyleSDF")
    results = page.locator(".md-search-result__item a, a.md-search-result__link")
    results.first.wait_for(timeout=20_000)
    hrefs = [results.nth(i).get_attribute("href") or "" for i in range(results.count())]
    context.close()
    assert any(f"papers/{key}/" in h for h in hrefs), f"{key} not among the results: {hrefs[:10]}"
    assert not watch.faults(), watch.faults()


def test_theme_link_leads_to_a_theme_page_listing_papers(browser, shipped_url):
    context = browser.new_context()
    page = context.new_page()
    watch = Watch(page, shipped_url)
    page.goto(shipped_url, wait_until="load")
    # The nav's Themes tab (else any visible link to the themes), then one theme.
    tab = page.locator("a.md-tabs__link[href*='themes']:visible")
    links = tab if tab.count() else page.locator("a[href*='themes/']:visible")
    assert links.count() > 0, "no visible link to the themes from the home page"
    links.first.click()
    page.wait_for_load_state("load")
    if not THEME_PAGE.search(page.url):
        targets = page.eval_on_selector_all("article a[href]", "els => els.map(e => e.href)")
        direct = [i for i, url in enumerate(targets) if THEME_PAGE.search(url)]
        assert direct, f"{page.url} links to no theme page: {targets[:10]}"
        page.locator("article a[href]").nth(direct[0]).click()
    page.wait_for_load_state("load")
    assert THEME_PAGE.search(page.url), page.url
    papers = page.locator("article a[href*='papers/']")
    assert papers.count() >= 1, f"{page.url} lists no papers"
    assert page.locator("article h1").count() == 1
    context.close()
    assert not watch.faults(), watch.faults()


def test_bib_download_is_one_entry_with_the_right_key(browser, shipped, shipped_url):
    key = _paper_with_title(shipped, "StyleSDF")
    context = browser.new_context()
    page = context.new_page()
    watch = Watch(page, shipped_url)
    page.goto(urljoin(shipped_url, f"papers/{key}/"), wait_until="load")
    link = page.locator("a[href$='.bib']").first
    link.wait_for(timeout=10_000)
    url = urljoin(page.url, link.get_attribute("href"))
    response = page.request.get(url)
    assert response.status == 200, url
    library = bibtexparser.parse_string(response.text())
    context.close()
    assert not library.failed_blocks
    assert [e.key for e in library.entries] == [key]
    assert "StyleSDF" in library.entries[0]["title"]
    assert not watch.faults(), watch.faults()


def test_shipped_pages_are_inert(browser, shipped, shipped_url):
    """A sample of real pages (home, themes, every 20th paper): no console error, nothing injected."""
    site = shipped
    pages = [p.relative_to(site).as_posix() for p in html_pages(site) if not p.parts[-3:-2] == ("papers",)]
    papers = sorted(p.relative_to(site).as_posix() for p in (site / "papers").glob("*/index.html"))
    context = browser.new_context()
    page = context.new_page()
    watch = Watch(page, shipped_url)
    faults = []
    for path in pages + papers[::20]:
        page.goto(urljoin(shipped_url, path.removesuffix("index.html")), wait_until="load")
        faults += [f"{path}: {f}" for f in page.evaluate(FIND_INJECTED) + watch.faults()]
        watch.dialogs.clear(), watch.errors.clear(), watch.foreign.clear()
    context.close()
    assert not faults, "\n".join(faults[:40])


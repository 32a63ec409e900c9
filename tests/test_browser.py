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
import threading
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import bibtexparser
import pytest

from helpers.hostile import html_pages, session_site

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



# ---------------------------------------------------------------- (c) cite, collect and follow

# Runs in the page: what Zotero's "Embedded Metadata" translator reads (zotero/translators,
# "Embedded Metadata.js"): init() picks the item type from the Highwire tags (journal /
# conference / ... title), else the RDF translator's detectType() takes a dc:type that
# names a Zotero item type (RDF.js), else citation_title makes it a guessed journalArticle;
# processFields() reads HIGHWIRE_MAPPINGS (title, date, DOI) from `html>head>meta[name$=..]`,
# processHighwireCreators() + ZU.cleanAuthor() split each citation_author ('Last, First' at
# the comma, else the last word is the family name). Only the parts that reach item type,
# title, creators, date and DOI are repeated here.
ZOTERO_EMBEDDED_METADATA = r"""() => {
  const ITEM_TYPES = ['artwork', 'audioRecording', 'bill', 'blogPost', 'book', 'bookSection', 'case',
    'computerProgram', 'conferencePaper', 'dataset', 'dictionaryEntry', 'document', 'email',
    'encyclopediaArticle', 'film', 'forumPost', 'hearing', 'instantMessage', 'interview', 'journalArticle',
    'letter', 'magazineArticle', 'manuscript', 'map', 'newspaperArticle', 'patent', 'podcast', 'preprint',
    'presentation', 'radioBroadcast', 'report', 'standard', 'statute', 'thesis', 'tvBroadcast',
    'videoRecording', 'webpage'];
  const PREFIXES = ['bib', 'bibo', 'dc', 'dcterms', 'prism', 'foaf', 'vcard', 'link', 'z', 'eprint', 'eprints',
    'og', 'article', 'book', 'music', 'video', 'so', 'codemeta', 'rdf'];
  let hwType = null, hwTypeGuess = null, dcType = null, ogType = null;
  for (const meta of document.querySelectorAll('meta')) {
    const names = meta.getAttribute('name') || meta.getAttribute('property');
    const value = meta.getAttribute('content');
    if (!names || !value) continue;
    for (const tag of names.split(/\s+/)) {
      const parts = tag.split(/[.:_]/);
      let prefix = parts.length > 2 ? parts[1].toLowerCase() : null;
      let prefixLength = parts.length > 2 ? parts[0].length + parts[1].length + 1 : 0;
      if (!prefix || !PREFIXES.includes(prefix)) { prefix = parts[0].toLowerCase(); prefixLength = parts[0].length; }
      if (PREFIXES.includes(prefix)) {
        const prop = tag.substr(prefixLength + 1);
        if (prefix === 'dc' && prop.toLowerCase() === 'type') dcType = dcType || value;
        if (prefix === 'og' && prop === 'type') ogType = ogType || value;
        continue;
      }
      switch (tag.slice(tag.lastIndexOf('citation_'))) {
        case 'citation_journal_title': hwType = 'journalArticle'; break;
        case 'citation_technical_report_institution': hwType = 'report'; break;
        case 'citation_conference_title': case 'citation_conference': hwType = 'conferencePaper'; break;
        case 'citation_book_title': case 'citation_inbook_title': hwType = 'bookSection'; break;
        case 'citation_dissertation_institution': hwType = 'thesis'; break;
        case 'citation_title': case 'citation_series_title': hwTypeGuess = hwTypeGuess || 'journalArticle'; break;
      }
    }
  }
  const ogTypes = {'website': 'webpage', 'book': 'book', 'video.movie': 'videoRecording'};
  const itemType = hwType || ogTypes[ogType] || (ITEM_TYPES.includes(dcType) ? dcType : null)
    || hwTypeGuess || (ogType === 'article' ? 'journalArticle' : null);
  const text = (name) => {
    const node = document.querySelector(`html>head>meta[name$="${name}"]`);
    return node ? node.content.replace(/\s+/g, ' ').trim() : undefined;
  };
  const creators = [];
  let last = null;
  for (const node of document.querySelectorAll('html>head>meta[name$="citation_author"]')) {
    for (let creator of node.content.split(/\s*;\s*/)) {
      creator = creator.trim();
      if (!creator || !/[^\s,-.;]/.test(creator) || creator === last) continue;
      last = creator;
      if (creator.includes(',')) {
        const at = creator.indexOf(',');
        creators.push({lastName: creator.slice(0, at).trim(), firstName: creator.slice(at + 1).trim()});
      } else {
        const words = creator.split(/\s+/);
        creators.push({lastName: words.pop(), firstName: words.join(' ')});
      }
    }
  }
  let date;
  for (const name of ['citation_publication_date', 'citation_cover_date', 'citation_date']) date = text(name) || date;
  const doi = (text('citation_doi') || '').match(/10(?:\.[0-9]{4,})?\/[^\s]*[^\s\.,]/);
  return {itemType, title: text('citation_title'), creators, date, DOI: doi ? doi[0] : undefined};
}"""

ZOTERO_TYPE_OF_CSL = {"article": "preprint", "article-journal": "journalArticle",
                      "paper-conference": "conferencePaper", "document": "document"}


def _csl_items(site: Path) -> dict[str, dict]:
    import json

    return {item["id"]: item for item in json.loads((site / "bib" / "all.json").read_text(encoding="utf-8"))}


def _page_of(site: Path, key: str) -> str:
    """The page path of a citation key (URL slugs may differ from keys): from papers.json."""
    import json

    papers = json.loads((site / "data" / "papers.json").read_text(encoding="utf-8"))
    record = next(p for p in papers if p["key"] == key)
    return f"papers/{record.get('url_slug', key)}/"


def test_zotero_reads_item_type_title_authors_date_and_doi(browser, shipped, shipped_url):
    """The StyleSDF preprint, every paper with a DOI and a sample of the rest, as Zotero sees them."""
    items = _csl_items(shipped)
    stylesdf = _paper_with_title(shipped, "StyleSDF")
    keys = sorted({stylesdf} | {k for k, item in items.items() if "DOI" in item} | set(sorted(items)[::25]))
    context = browser.new_context()
    page = context.new_page()
    watch = Watch(page, shipped_url)
    faults = []
    for key in keys:
        item = items[key]
        page.goto(urljoin(shipped_url, _page_of(shipped, key)), wait_until="load")
        read = page.evaluate(ZOTERO_EMBEDDED_METADATA)
        expected_creators = [{"lastName": a["family"], "firstName": a.get("given", "")} if "family" in a
                             else {"lastName": a["literal"].split()[-1], "firstName": " ".join(a["literal"].split()[:-1])}
                             for a in item.get("author", [])]
        checks = {
            "itemType": (read["itemType"], ZOTERO_TYPE_OF_CSL[item["type"]]),
            "title": (read["title"], " ".join(item["title"].split())),
            "creators": (read["creators"], expected_creators),
            "date": (read.get("date"), str(item["issued"]["date-parts"][0][0]) if "issued" in item else None),
            "DOI": (read.get("DOI"), item.get("DOI")),
        }
        faults += [f"{key}: {field}: Zotero reads {got!r}, expected {want!r}"
                   for field, (got, want) in checks.items() if got != want]
    context.close()
    assert len(keys) > 20
    assert not faults, "\n".join(faults[:20])
    assert not watch.faults(), watch.faults()


def test_stylesdf_as_zotero_saves_it(browser, shipped, shipped_url):
    key = _paper_with_title(shipped, "StyleSDF")
    context = browser.new_context()
    page = context.new_page()
    page.goto(urljoin(shipped_url, _page_of(shipped, key)), wait_until="load")
    read = page.evaluate(ZOTERO_EMBEDDED_METADATA)
    apa = page.locator(".annobib-reference").first.inner_text()
    context.close()
    assert read["itemType"] == "preprint"
    assert read["title"] == "StyleSDF: High-Resolution 3D-Consistent Image and Geometry Generation"
    assert read["creators"][0] == {"lastName": "Or-El", "firstName": "Roy"} and len(read["creators"]) == 6
    assert read["date"] == "2021"
    assert "Or-El, R., Luo, X., Shan, M., Shechtman, E., Park, J. J., & Kemelmacher-Shlizerman, I. (2021). " \
           "StyleSDF: High-resolution 3D-consistent image and geometry generation (arXiv:2112.11427). arXiv. " \
           "https://arxiv.org/abs/2112.11427" in apa


def test_feed_is_found_fetched_and_parsed(browser, shipped, shipped_url):
    import feedparser

    context = browser.new_context()
    page = context.new_page()
    watch = Watch(page, shipped_url)
    page.goto(shipped_url, wait_until="load")
    discovered = page.locator("head link[rel='alternate'][type='application/atom+xml']")
    assert discovered.count() == 1
    visible = page.locator("article a[href$='feeds/all.xml']")
    assert visible.count() == 1
    url = urljoin(page.url, visible.get_attribute("href"))
    assert urljoin(page.url, discovered.get_attribute("href")) == url
    response = page.request.get(url)
    assert response.status == 200, url
    feed = feedparser.parse(response.body(), response_headers={
        "content-type": response.headers.get("content-type", "application/atom+xml"), "content-location": url})
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10" and feed.feed.title and feed.feed.id and feed.feed.updated
    assert len(feed.entries) == 50
    for entry in feed.entries:
        assert entry.id and entry.title and entry.updated and entry.link.startswith(shipped_url)
    first = feed.entries[0]
    page.goto(first.link, wait_until="load")                   # the entry's link is the paper's page
    assert page.locator("article h1").inner_text().strip() == first.title
    # A theme page offers its own feed.
    theme = sorted(p.parent.name for p in (shipped / "themes").glob("*/index.html"))[0]
    page.goto(urljoin(shipped_url, f"themes/{theme}/"), wait_until="load")
    assert page.locator("head link[rel='alternate'][type='application/atom+xml']").count() == 1
    theme_feed = page.locator("article a[href*='feeds/themes/']")
    assert theme_feed.count() == 1
    theme_url = urljoin(page.url, theme_feed.get_attribute("href"))
    parsed = feedparser.parse(page.request.get(theme_url).body(),
                              response_headers={"content-type": "application/atom+xml", "content-location": theme_url})
    context.close()
    assert not parsed.bozo and parsed.entries
    assert not watch.faults(), watch.faults()


def test_author_link_leads_to_a_page_listing_their_papers(browser, shipped, shipped_url):
    key = _paper_with_title(shipped, "StyleSDF")
    context = browser.new_context()
    page = context.new_page()
    watch = Watch(page, shipped_url)
    paper_url = urljoin(shipped_url, _page_of(shipped, key))
    page.goto(paper_url, wait_until="load")
    author = page.locator(".annobib-authors a").first
    assert author.inner_text().strip() == "Roy Or-El"
    author.click()
    page.wait_for_load_state("load")
    assert re.search(r"/authors/#a-[a-z0-9-]+$", page.url), page.url
    entry = page.locator(":target")
    assert entry.count() == 1 and "Or-El" in entry.inner_text()
    listed = entry.locator("a").evaluate_all("els => els.map(e => e.href)")
    assert paper_url in listed, listed
    assert entry.is_visible()
    context.close()
    assert not watch.faults(), watch.faults()


def test_ris_download_is_parsed(browser, shipped, shipped_url):
    import rispy

    key = _paper_with_title(shipped, "StyleSDF")
    context = browser.new_context()
    page = context.new_page()
    watch = Watch(page, shipped_url)
    page.goto(urljoin(shipped_url, _page_of(shipped, key)), wait_until="load")
    link = page.locator("a[href$='.ris']").first
    response = page.request.get(urljoin(page.url, link.get_attribute("href")))
    assert response.status == 200
    records = rispy.loads(response.text())
    assert [r["id"] for r in records] == [key]
    assert records[0]["title"] == "StyleSDF: High-Resolution 3D-Consistent Image and Geometry Generation"
    assert records[0]["authors"][0] == "Or-El, Roy" and records[0]["type_of_reference"] == "UNPB"
    page.goto(shipped_url, wait_until="load")
    everything = page.request.get(urljoin(page.url, page.locator("article a[href$='all.ris']").get_attribute("href")))
    assert len(rispy.loads(everything.text())) == 232
    context.close()
    assert not watch.faults(), watch.faults()


# ---------------------------------------------------------------- (d) charts for every reader

# Runs in the page: every chart text (SVG text, the map's HTML legend) with its colour as
# drawn (getComputedStyle: SVG text's fill, HTML text's color), the background behind it
# (the nearest ancestor with an opaque-enough background-color), and its size on screen
# (an SVG's font-size times the scale its viewBox is drawn at; HTML: font-size).
CHART_TEXTS = """() => {
  const rgba = (s) => { const m = s.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const [r, g, b, a] = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number); return [r, g, b, a === undefined ? 1 : a]; };
  const background = (el) => { for (let n = el; n && n.nodeType === 1; n = n.parentElement || n.parentNode) {
      const c = rgba(getComputedStyle(n).backgroundColor); if (c && c[3] > 0.5) return c; }
    return rgba(getComputedStyle(document.body).backgroundColor) || [255, 255, 255, 1]; };
  const out = [];
  for (const t of document.querySelectorAll('figure.annobib-chart svg text')) {
    const style = getComputedStyle(t);
    const box = t.getBoundingClientRect();
    if (!box.width) continue;
    out.push({kind: 'svg', text: t.textContent.trim().slice(0, 40), colour: rgba(style.fill),
              background: background(t), px: parseFloat(style.fontSize) * t.getScreenCTM().a});
  }
  for (const t of document.querySelectorAll('.annobib-legend li a span, .annobib-legend li > span')) {
    const style = getComputedStyle(t);
    const box = t.getBoundingClientRect();
    out.push({kind: 'legend', text: t.textContent.trim().slice(0, 40), colour: rgba(style.color),
              background: background(t), px: parseFloat(style.fontSize),
              inside: box.left >= 0 && box.right <= document.documentElement.clientWidth + 0.5});
  }
  return {scheme: document.body.getAttribute('data-md-color-scheme'), texts: out};
}"""


def _luminance(rgb) -> float:
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(colour, background) -> float:
    """WCAG contrast of a colour (its alpha composited over the background) and the background."""
    alpha = colour[3]
    shown = [alpha * c + (1 - alpha) * b for c, b in zip(colour[:3], background[:3])]
    lighter, darker = sorted((_luminance(shown), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _chart_texts(browser, url: str, scheme: str, viewport: dict) -> dict:
    context = browser.new_context(color_scheme=scheme, viewport=viewport)
    page = context.new_page()
    watch = Watch(page, url)
    page.goto(url, wait_until="load")
    page.wait_for_timeout(100)          # Material applies the palette matching the scheme
    found = page.evaluate(CHART_TEXTS)
    context.close()
    assert not watch.faults(), watch.faults()
    return found


@pytest.mark.parametrize("scheme, material", [("dark", "slate"), ("light", "default")])
def test_chart_text_contrast_in_both_schemes(browser, shipped_url, scheme, material):
    """Chart text in dark mode was SVG's default black on Material's dark background (1.3:1)."""
    found = _chart_texts(browser, shipped_url, scheme, {"width": 1280, "height": 900})
    assert found["scheme"] == material
    texts = found["texts"]
    assert sum(t["kind"] == "svg" for t in texts) > 20 and sum(t["kind"] == "legend" for t in texts) >= 8
    low = [(t["text"], round(_contrast(t["colour"], t["background"]), 2)) for t in texts
           if _contrast(t["colour"], t["background"]) < 4.5]
    assert not low, low[:10]


@pytest.mark.parametrize("viewport", [{"width": 375, "height": 667}, {"width": 1280, "height": 900}],
                         ids=["phone", "desktop"])
def test_chart_text_is_at_least_12px(browser, shipped_url, viewport):
    """The map's legend was 7.6 px on a desktop and 3.7 px on a phone (SVG text scaled with the map)."""
    texts = _chart_texts(browser, shipped_url, "dark", viewport)["texts"]
    legend = [t for t in texts if t["kind"] == "legend"]
    assert len(legend) >= 8
    small = [(t["kind"], t["text"], round(t["px"], 1)) for t in texts if t["px"] < 12]
    assert not small, small[:10]
    assert all(t["inside"] for t in legend), [t["text"] for t in legend if not t["inside"]]


def test_map_links_are_named_and_reachable(browser, shipped, shipped_url):
    """No focusable link sits inside role="img" (hidden from screen readers); each map link
    has an accessible name, and the keyboard reaches the legend and the map's papers."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(shipped_url, wait_until="load")
    hidden = page.evaluate("""() => [...document.querySelectorAll('[role="img"], [aria-hidden="true"]')]
        .filter(el => el.querySelector('a[href], [tabindex]:not([tabindex="-1"])')).map(el => el.outerHTML.slice(0, 80))""")
    assert not hidden, hidden
    chart = page.get_by_role("group", name="Map of papers, coloured by theme")
    links = chart.get_by_role("link")
    assert links.count() == 232
    names = [line for line in chart.aria_snapshot().splitlines() if line.strip().lstrip("- '").startswith("link")]
    assert len(names) == 232 and all(re.search(r'link "[^"]+\(\S+\)"', line) for line in names), names[:3]
    legend = page.get_by_role("list", name="Themes on the map").get_by_role("link")
    assert legend.count() == len(list((shipped / "themes").glob("*/index.html")))
    # Tab from the legend's last theme lands on the map's first paper.
    legend.last.focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.closest('svg') && document.activeElement.getAttribute('href')")
    context.close()
    assert focused and focused.startswith("papers/"), focused


def test_abstracts_are_left_aligned_on_a_phone(browser, shipped, shipped_url):
    """Justified abstracts opened wide gaps between words in a phone's narrow column."""
    key = _paper_with_title(shipped, "StyleSDF")
    context = browser.new_context(viewport={"width": 375, "height": 667})
    page = context.new_page()
    page.goto(urljoin(shipped_url, _page_of(shipped, key)), wait_until="load")
    aligned = page.locator(".annobib-abstract p").first.evaluate("p => getComputedStyle(p).textAlign")
    context.close()
    assert aligned in ("start", "left"), aligned


# ---------------------------------------------------------------- search for every reader (issue 23)

def _results(page) -> list[str]:
    return page.eval_on_selector_all("a.md-search-result__link", "els => els.map(e => e.getAttribute('href'))")


def _active(page) -> str:
    return page.evaluate("() => { const a = document.activeElement;"
                         " return a.tagName + ' ' + (a.getAttribute('href') || a.className || ''); }")


def _wait_for_results(page):
    page.wait_for_function("() => document.querySelectorAll('a.md-search-result__link').length > 0", timeout=20_000)


def test_search_results_are_reached_and_opened_with_the_keyboard(browser, shipped_url):
    context = browser.new_context()
    page = context.new_page()
    watch = Watch(page, shipped_url)
    page.goto(shipped_url, wait_until="load")
    _search(page, "hypernetwork")
    _wait_for_results(page)
    hrefs = _results(page)
    page.keyboard.press("ArrowDown")                      # from the box to the first result
    assert _active(page) == f"A {hrefs[0]}"
    page.keyboard.press("ArrowDown")
    assert _active(page) == f"A {hrefs[1]}"
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")                        # back in the box
    assert _active(page).startswith("INPUT")
    page.keyboard.press("Tab")                            # Tab reaches the results too
    assert _active(page) == f"A {hrefs[0]}"
    page.keyboard.press("Tab")
    assert _active(page) == f"A {hrefs[1]}"
    with page.expect_navigation():
        page.keyboard.press("Enter")                      # opens the focused result
    assert page.url.endswith(hrefs[1]), (page.url, hrefs[1])
    context.close()
    assert not watch.faults(), watch.faults()


def test_more_than_ten_search_results_are_reachable(browser, shipped_url):
    context = browser.new_context()
    page = context.new_page()
    page.goto(shipped_url, wait_until="load")
    _search(page, "hypernetwork")
    _wait_for_results(page)
    total = int(re.search(r"\d+", page.locator(".md-search-result__meta").text_content()).group(0))
    assert total > 10
    assert len(_results(page)) == 10
    page.keyboard.press("ArrowDown")
    for _ in range(total + 5):                            # the keyboard alone: down to "more", Enter
        if _active(page).startswith("BUTTON"):
            before = len(_results(page))
            page.keyboard.press("Enter")
            page.wait_for_function("n => document.querySelectorAll('a.md-search-result__link').length > n",
                                   arg=before, timeout=10_000)
        page.keyboard.press("ArrowDown")
    hrefs = _results(page)
    more_left = page.locator("button.annobib-search-more").count()
    context.close()
    assert len(hrefs) == len(set(hrefs)) == total and more_left == 0


def test_an_acronym_finds_a_paper_that_only_spells_it_out(browser, shipped, shipped_url):
    import json as _json

    from annobib.corpus import load_corpus

    slugs = {p["key"]: p["url_slug"] for p in _json.loads((shipped / "data" / "papers.json").read_text(encoding="utf-8"))}
    spelled = [p.key for p in load_corpus(shipped.parent / "corpus").papers
               if re.search(r"neural radiance fields?", f"{p.title_text} {p.abstract_text}", re.I)
               and "nerf" not in f"{p.title_text} {p.abstract_text}".lower()]
    assert spelled, "no paper says 'neural radiance fields' without 'NeRF'"
    context = browser.new_context()
    page = context.new_page()
    page.goto(shipped_url, wait_until="load")
    _search(page, "NeRF")
    _wait_for_results(page)
    while page.locator("button.annobib-search-more").count():
        page.locator("button.annobib-search-more").click()
        page.wait_for_timeout(200)
    hrefs = _results(page)
    context.close()
    assert all(any(f"papers/{slugs[key]}/" in h for h in hrefs) for key in spelled), (spelled, hrefs)

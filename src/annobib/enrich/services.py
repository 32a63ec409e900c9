"""Abstracts, identifiers and references of corpus entries, from open metadata services.

`lookup(targets, contact)` asks, for each entry, in this order:

1. OpenAlex (records read with `pyalex`): by DOI, else by arXiv id (as arXiv's own DOI,
   10.48550/arXiv.<id>), else by PubMed id, else by title. It gives the abstract
   (OpenAlex stores it as an inverted index; `pyalex.Work` turns it back into text), the
   OpenAlex / DOI / PubMed ids and `referenced_works` (OpenAlex W-ids).
2. Crossref (through `habanero`), by DOI: the abstract where the publisher deposited one
   (JATS XML, turned into plain text here) and the DOIs of the deposited reference list;
   by title only when OpenAlex found nothing and the entry has no DOI.
3. arXiv (through the `arxiv` package), by arXiv id, when there is still no abstract.

A match by title needs all three of: titles at least `TITLE_SIMILARITY` alike
(rapidfuzz ratio of the normalised titles), the same first-author family name and the
same year. A match by identifier needs nothing more.

Politeness: every request names the project and the maintainer's `contact`
(User-Agent `annobib/<version> (mailto:<address>)` and a `From` header; Crossref's polite
pool); OpenAlex also gets a free API key when one is given (`openalex_api_key`, or
$OPENALEX_API_KEY; OpenAlex asks for one since February 2026); requests to one service are spaced
(`INTERVAL`: OpenAlex 10/s, Crossref 5/s, arXiv one every 3 s as its terms ask); every
request has a connect and a read timeout; 429 and 5xx answers are retried with
exponential back-off (a `Retry-After` is honoured). A connection that cannot be made at
all (no network, DNS failure, refused, connect timeout) ends the whole run at once with
`ServiceUnavailable`, as does a service that keeps failing after `MAX_TRIES`.

Results are written to the caller's `cache` dict entry by entry, so a run stopped by
Ctrl-C or by `ServiceUnavailable` resumes where it stopped once the caller has saved it.
Nothing here writes files; `annobib build` never imports this module.
"""
from __future__ import annotations

import email.utils
import logging
import re
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from html.parser import HTMLParser
from urllib.parse import quote

from ..corpus.ids import arxiv_id, clean_doi, normal_doi
from ..errors import ContactMissing, MissingExtra, ServiceUnavailable   # ServiceUnavailable importable from here too
from ..text import name_key, normal_title

log = logging.getLogger(__name__)

SERVICES = ("openalex", "crossref", "arxiv")
NAMES = {"openalex": "OpenAlex", "crossref": "Crossref", "arxiv": "arXiv"}
TITLE_SIMILARITY = 95.0           # rapidfuzz ratio (0-100) of the normalised titles
INTERVAL = {"openalex": 0.1, "crossref": 0.2, "arxiv": 3.0}   # seconds between requests to one service
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 30.0
MAX_TRIES = 5                     # per request, for 429 / 5xx / read timeouts
MAX_WAIT = 120.0                  # the longest back-off or Retry-After waited
CACHE_VERSION = 1
RECHECK_MISSING_DAYS = 30         # an entry no service knew is asked again after this long
_RETRY_STATUS = {429, 500, 502, 503, 504}
_OPENALEX = "https://api.openalex.org"
_ARXIV_DOI = "10.48550/arxiv."


# --------------------------------------------------------------------------- records

@dataclass(frozen=True)
class EnrichTarget:
    """What is known of one corpus entry, to find it with."""

    key: str
    title: str = ""
    first_author_family: str = ""
    year: int | None = None
    doi: str | None = None
    arxiv: str | None = None
    pmid: str | None = None


@dataclass(frozen=True)
class ServiceRecord:
    """What the services know of one entry.

    `ids`: "doi" (lower case, no resolver), "arxiv" (no version), "openalex" (W-id), "pmid".
    `references`: the works it cites, each a DOI ('10.1038/nature02100'), an OpenAlex
    W-id ('W1964940342') or an arXiv id ('2101.00001'); `citations.links_in_collection`
    keeps the ones that are entries of the collection.
    """

    abstract: str = ""
    source: str = ""                  # service the abstract came from ("" when none had one)
    ids: Mapping[str, str] = field(default_factory=dict)
    references: tuple[str, ...] = ()
    matched_by: str = ""              # "doi", "arxiv", "pmid" or "title"

    def to_json(self) -> dict:
        return {"abstract": self.abstract, "source": self.source, "ids": dict(self.ids),
                "references": list(self.references), "matched_by": self.matched_by}

    @classmethod
    def from_json(cls, data: object) -> ServiceRecord | None:
        """The record `to_json` wrote, or None for anything else (a cache from elsewhere)."""
        if not isinstance(data, dict):
            return None
        ids, refs = data.get("ids", {}), data.get("references", [])
        texts = (data.get("abstract", ""), data.get("source", ""), data.get("matched_by", ""))
        if not (all(isinstance(t, str) for t in texts) and isinstance(ids, dict) and isinstance(refs, list)
                and all(isinstance(k, str) and isinstance(v, str) for k, v in ids.items())
                and all(isinstance(r, str) for r in refs)):
            return None
        return cls(texts[0], texts[1], dict(ids), tuple(refs), texts[2])


def _family(raw_name: str) -> str:
    """The family name (with its particles) of one raw BibTeX name, by BibTeX's rules."""
    from bibtexparser.middlewares.names import parse_single_name_into_parts

    from ..corpus.latex import to_text

    try:
        parts = parse_single_name_into_parts((raw_name or "").strip())
    except Exception:  # a malformed name: no title matching for this entry
        return ""
    return to_text(" ".join(parts.von + parts.last))


def as_target(item) -> EnrichTarget:
    """An EnrichTarget from anything that describes an entry: an EnrichTarget, a
    `models.Paper`, or any object with `key` and some of `title`, `year`, `doi`, `arxiv`,
    `pmid`, `first_author_family` or `authors` (raw BibTeX names, the first one is used)."""
    if isinstance(item, EnrichTarget):
        return item
    family = getattr(item, "first_author_family", None)
    if family is None:
        authors = tuple(getattr(item, "authors", ()) or ())
        family = _family(authors[0]) if authors else ""
    pmid = getattr(item, "pmid", None)
    if pmid is None:
        pmid = next((value for name, value in getattr(item, "fields", ()) or () if name.lower() == "pmid"), None)
    pmid = str(pmid).strip() if pmid is not None else ""
    year = getattr(item, "year", None)
    return EnrichTarget(key=item.key, title=getattr(item, "title_text", "") or getattr(item, "title", "") or "",
                        first_author_family=family or "", year=year if isinstance(year, int) else None,
                        doi=clean_doi(getattr(item, "doi", None)), arxiv=getattr(item, "arxiv", None),
                        pmid=pmid if pmid.isdigit() else None)


# --------------------------------------------------------------------------- matching

_NAME_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}


def _name_tokens(name: str) -> list[str]:
    tokens = [name_key(t) for t in name.split()]
    tokens = [t for t in tokens if t]
    while tokens and tokens[-1] in _NAME_SUFFIXES:
        tokens.pop()
    return tokens


def same_first_author(family: str, name: str) -> bool:
    """Whether `name` ('Martial Sankar', 'Sankar', 'Sankar, M.') has the family name `family`."""
    if "," in name:                                  # 'Family, Given'
        name = name.split(",")[0]
    want, got = _name_tokens(family), _name_tokens(name)
    return bool(want) and got[-len(want):] == want


def title_matches(target: EnrichTarget, title: str, first_author: str, year: int | None) -> bool:
    """The title rule: similar titles (>= TITLE_SIMILARITY) AND same first author AND same year."""
    from rapidfuzz import fuzz

    if not (target.title and target.first_author_family and target.year and title and first_author):
        return False
    if year != target.year or not same_first_author(target.first_author_family, first_author):
        return False
    return fuzz.ratio(normal_title(target.title), normal_title(title)) >= TITLE_SIMILARITY


def _title_ready(target: EnrichTarget) -> bool:
    return bool(target.title and target.first_author_family and target.year)


# --------------------------------------------------------------------------- text

_BLOCKS = {"p", "sec", "title", "list", "list-item", "abstract", "trans-abstract", "disp-quote",
           "statement", "def-item", "caption", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6"}
_LEADING_HEADING = re.compile(r"^(?:abstract|summary|graphical abstract)[.:]?$", re.I)
_LEADING_WORD = re.compile(r"^(?i:abstract|summary)\s*[:.\-–—]?\s+(?=[A-Z0-9])")
# eLife and others end the abstract with its own DOI ('... formation. DOI: http://dx.doi.org/10.7554/eLife.01567.001').
_TRAILING_DOI = re.compile(r"\s*\bDOI:\s*(?:https?://(?:dx\.)?doi\.org/)?10\.\S+\s*$", re.I)


class _JatsText(HTMLParser):
    """Collects the text of JATS (or HTML) markup as blocks: ('title' | 'text', text)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str]] = []
        self._text: list[str] = []
        self._title = 0

    def _flush(self):
        text = " ".join("".join(self._text).split())
        if text:
            self.blocks.append(("title" if self._title else "text", text))
        self._text = []

    def handle_starttag(self, tag, attrs):
        name = tag.rsplit(":", 1)[-1].lower()
        if name in _BLOCKS:
            self._flush()
        if name == "title":
            self._title += 1
        elif name == "break":
            self._text.append(" ")

    def handle_startendtag(self, tag, attrs):
        if tag.rsplit(":", 1)[-1].lower() in {"break", "br"}:
            self._text.append(" ")

    def handle_endtag(self, tag):
        name = tag.rsplit(":", 1)[-1].lower()
        if name in _BLOCKS:
            self._flush()
        if name == "title" and self._title:
            self._title -= 1

    def handle_data(self, data):
        self._text.append(data)


def jats_to_text(markup: str) -> str:
    """Crossref's JATS abstract (`<jats:title>Abstract</jats:title><jats:p>...`) as plain text.

    Paragraphs are separated by a blank line, a section title leads its paragraph
    ('Background: ...'), a leading 'Abstract' heading is dropped, entities are decoded."""
    parser = _JatsText()
    parser.feed(markup or "")
    parser.close()
    parser._flush()
    blocks = parser.blocks
    if blocks and blocks[0][0] == "title" and _LEADING_HEADING.match(blocks[0][1]):
        blocks = blocks[1:]
    paragraphs: list[str] = []
    heading = ""
    for kind, text in blocks:
        if kind == "title":
            if heading:
                paragraphs.append(heading)
            heading = text
            continue
        if heading:
            text = f"{heading} {text}" if heading[-1] in ".:?!" else f"{heading}: {text}"
            heading = ""
        paragraphs.append(text)
    if heading:
        paragraphs.append(heading)
    return clean_abstract("\n\n".join(paragraphs))


def clean_abstract(text: str) -> str:
    """Whitespace collapsed inside paragraphs; a leading 'Abstract' word and a trailing
    'DOI: <the abstract's own DOI>' dropped."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text or "")]
    joined = "\n\n".join(p for p in paragraphs if p)
    return _TRAILING_DOI.sub("", _LEADING_WORD.sub("", joined, count=1)).strip()


def _plain(markup: str) -> str:
    """A title that may hold tags (Crossref: '<scp>R</scp> package') as plain text."""
    parser = _JatsText()
    parser.feed(markup or "")
    parser.close()
    parser._flush()
    return " ".join(text for _, text in parser.blocks)


# --------------------------------------------------------------------------- identifiers

def _arxiv_norm(value: str | None) -> str | None:
    return arxiv_id(value or "")


def _openalex_id(value: str | None) -> str | None:
    match = re.search(r"(?:^|/)(W\d+)$", (value or "").strip(), re.I)
    return match.group(1).upper() if match else None


def _pmid(value: str | None) -> str | None:
    match = re.search(r"(\d+)/?$", (value or "").strip())
    return match.group(1) if match else None


def _doi_url_part(doi: str) -> str:
    """A DOI as the path part of a URL (OpenAlex: /works/https://doi.org/<doi>)."""
    return quote(doi, safe="/:;()")


# --------------------------------------------------------------------------- HTTP manners

class _Transient(Exception):
    """Worth another try after a pause (429, 5xx, a read timeout)."""

    def __init__(self, message: str, wait: float | None = None):
        super().__init__(message)
        self.wait = wait


class _Unreachable(Exception):
    """No connection could be made: the run stops."""


class _Refused(Exception):
    """The service answered that it will not serve us (401 / 403): the run stops."""


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _check_status(status: int, retry_after: str | None, what: str) -> bool:
    """True when the answer holds a record; False for 'no such work'; raises otherwise."""
    if 200 <= status < 300:
        return True
    if status in _RETRY_STATUS:
        raise _Transient(f"HTTP {status} for {what}", _retry_after(retry_after))
    if status in (401, 403):
        raise _Refused(f"HTTP {status} for {what}")
    if status not in (404, 410):
        log.warning("HTTP %s for %s: taken as no record", status, what)
    return False


def _is_connect_failure(err: BaseException) -> bool:
    """Whether a requests / urllib3 / socket error means no connection could be made."""
    import requests
    import urllib3.exceptions as u3

    fatal = (requests.exceptions.ConnectTimeout, requests.exceptions.SSLError, requests.exceptions.ProxyError,
             u3.NewConnectionError, u3.ConnectTimeoutError, u3.ProxyError, u3.SSLError,
             socket.gaierror, ConnectionRefusedError)
    seen: set[int] = set()
    stack: list[BaseException | None] = [err]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, fatal):
            return True
        stack.append(getattr(current, "reason", None))
        stack.extend(a for a in getattr(current, "args", ()) if isinstance(a, BaseException))
        stack.extend((current.__cause__, current.__context__))
    return False


def _cause(err: BaseException) -> str:
    """The operating system's words for a failed connection ('Connection refused', 'Name or
    service not known'), not the clients' wrappers around them; str(err) when there are none."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [err]
    found = ""
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OSError) and type(current).__module__ in ("builtins", "socket", "ssl"):
            found = current.strerror or str(current) or type(current).__name__
        stack.append(getattr(current, "reason", None))
        stack.extend(a for a in getattr(current, "args", ()) if isinstance(a, BaseException))
        stack.extend((current.__cause__, current.__context__))
    return " ".join((found or str(err)).split())


def _from_requests(err: BaseException) -> Exception:
    if _is_connect_failure(err):
        return _Unreachable(_cause(err))
    return _Transient(str(err))


def _from_httpx(err: BaseException) -> Exception:
    import httpx

    if isinstance(err, (httpx.ConnectError, httpx.ConnectTimeout, httpx.ProxyError)) or _is_connect_failure(err):
        return _Unreachable(_cause(err))
    return _Transient(str(err))


class _Throttle:
    """At most one request per `interval` seconds to one service."""

    def __init__(self, interval: float):
        self.interval = interval
        self._next = 0.0

    def wait(self):
        now = time.monotonic()
        if self._next > now:
            time.sleep(self._next - now)
            now = self._next
        self._next = now + self.interval


def _polite(service: str, throttle: _Throttle, call: Callable[[], object]):
    """`call()` spaced by `throttle`, retried with back-off on transient failures."""
    last: _Transient | None = None
    for attempt in range(MAX_TRIES):
        throttle.wait()
        try:
            return call()
        except _Transient as err:
            last = err
            if attempt + 1 < MAX_TRIES:
                pause = err.wait if err.wait is not None else 2.0 ** attempt
                log.info("%s: %s; trying again in %.0f s", NAMES[service], err, min(pause, MAX_WAIT))
                time.sleep(min(pause, MAX_WAIT))
        except _Unreachable as err:
            raise ServiceUnavailable(
                f"{NAMES[service]} could not be reached ({err}); no more lookups were made. "
                "Entries looked up so far are kept: run again when the network is back.") from None
        except _Refused as err:
            hint = " (OpenAlex wants an API key: set OPENALEX_API_KEY)" if service == "openalex" else ""
            raise ServiceUnavailable(f"{NAMES[service]} refused the request ({err}){hint}; "
                                     "no more lookups were made.") from None
    raise ServiceUnavailable(f"{NAMES[service]} kept failing ({last}) after {MAX_TRIES} tries; "
                             "no more lookups were made. Entries looked up so far are kept.")


def _session(user_agent: str, sender: str | None):
    import requests

    class PoliteSession(requests.Session):
        """A requests session that names us and never waits without a timeout."""

        def request(self, method, url, **kwargs):
            kwargs.setdefault("timeout", (CONNECT_TIMEOUT, READ_TIMEOUT))
            headers = dict(kwargs.get("headers") or {})
            for name in [n for n in headers if n.lower() == "user-agent"]:
                # a client's own agent ('arxiv.py/4.0.2') goes after ours, not instead of it
                headers[name] = f"{user_agent} {headers[name]}"
            if headers:
                kwargs["headers"] = headers
            return super().request(method, url, **kwargs)

    session = PoliteSession()
    session.headers["User-Agent"] = user_agent
    if sender:
        session.headers["From"] = sender
    return session


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("annobib")
    except PackageNotFoundError:
        return "0"


@dataclass(frozen=True)
class _Identity:
    product: str                  # 'annobib/0.2.0'
    contact: str                  # as given, whitespace collapsed
    sender: str | None            # the e-mail address in it, if any

    @property
    def user_agent(self) -> str:
        return f"{self.product} (mailto:{self.sender})" if self.sender else f"{self.product} ({self.contact})"


def _identity(contact: str) -> _Identity:
    contact = " ".join((contact or "").split())
    if not contact:
        raise ContactMissing("looking up abstracts needs a contact (an e-mail address) to send with every "
                             "request, as OpenAlex and Crossref ask")
    found = _EMAIL.search(contact)
    return _Identity(f"annobib/{_version()}", contact, found.group(0) if found else None)


# --------------------------------------------------------------------------- services

@dataclass
class _Found:
    """One service's answer about one entry."""

    service: str
    abstract: str = ""
    ids: dict[str, str] = field(default_factory=dict)
    references: list[str] = field(default_factory=list)
    title: str = ""
    first_author: str = ""
    year: int | None = None


def openalex_found(work: Mapping) -> _Found:
    """An OpenAlex work record (the JSON of /works/<id>) as what lookup keeps."""
    import pyalex

    record = pyalex.Work(work)
    abstract = record["abstract"] if record.get("abstract_inverted_index") else ""
    ids: dict[str, str] = {}
    raw_ids = record.get("ids") or {}
    doi = normal_doi(record.get("doi") or raw_ids.get("doi"))
    if doi:
        ids["doi"] = doi
    if doi and doi.startswith(_ARXIV_DOI):
        ids["arxiv"] = _arxiv_norm(doi[len(_ARXIV_DOI):]) or ""
    for location in record.get("locations") or []:
        url = (location or {}).get("landing_page_url") or ""
        if "arxiv.org/abs/" in url and "arxiv" not in ids:
            ids["arxiv"] = _arxiv_norm(url.split("arxiv.org/abs/", 1)[1]) or ""
    work_id = _openalex_id(record.get("id") or raw_ids.get("openalex"))
    if work_id:
        ids["openalex"] = work_id
    pmid = _pmid(raw_ids.get("pmid"))
    if pmid:
        ids["pmid"] = pmid
    references = [w for w in (_openalex_id(r) for r in record.get("referenced_works") or []) if w]
    authors = record.get("authorships") or []
    first = authors[0] if authors else {}
    first_name = ((first.get("author") or {}).get("display_name") or first.get("raw_author_name") or "")
    year = record.get("publication_year")
    return _Found("openalex", clean_abstract(abstract or ""), {k: v for k, v in ids.items() if v}, references,
                  record.get("title") or record.get("display_name") or "", first_name,
                  year if isinstance(year, int) else None)


def _crossref_year(message: Mapping) -> int | None:
    for key in ("issued", "published", "published-print", "published-online"):
        parts = (message.get(key) or {}).get("date-parts") or []
        if parts and parts[0] and isinstance(parts[0][0], int):
            return parts[0][0]
    return None


def crossref_found(message: Mapping) -> _Found:
    """A Crossref work (the `message` of /works/<doi>, or one of a search's `items`)."""
    doi = normal_doi(message.get("DOI"))
    references = []
    for reference in message.get("reference") or []:
        ref_doi = normal_doi((reference or {}).get("DOI"))
        if ref_doi:
            references.append(ref_doi)
    authors = message.get("author") or []
    first = next((a for a in authors if a.get("sequence") == "first"), authors[0] if authors else {})
    titles = message.get("title") or [""]
    return _Found("crossref", jats_to_text(message.get("abstract") or ""), {"doi": doi} if doi else {},
                  references, _plain(titles[0] if titles else ""),
                  first.get("family") or first.get("name") or "", _crossref_year(message))


def record_from_openalex(work: Mapping, matched_by: str = "") -> ServiceRecord:
    """The ServiceRecord of one OpenAlex work record (as /works/<id> returns it)."""
    return _merge([openalex_found(work)], matched_by)


def record_from_crossref(message: Mapping, matched_by: str = "") -> ServiceRecord:
    """The ServiceRecord of one Crossref work (the `message` of /works/<doi>, or a search item)."""
    return _merge([crossref_found(message)], matched_by)


class _OpenAlexClient:
    def __init__(self, session, api_key: str | None):
        self.session = session
        # Sent as pyalex sends it; only to OpenAlex (the session is shared with arXiv).
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.throttle = _Throttle(INTERVAL["openalex"])

    def _get(self, url: str) -> dict | None:
        import requests

        def call():
            try:
                answer = self.session.get(url, headers=self.headers)
            except requests.RequestException as err:
                raise _from_requests(err) from err
            if not _check_status(answer.status_code, answer.headers.get("Retry-After"), url):
                return None
            try:
                data = answer.json()
            except ValueError as err:
                raise _Transient(f"OpenAlex answered something that is not JSON for {url}") from err
            return data if isinstance(data, dict) else None

        return _polite("openalex", self.throttle, call)

    def work(self, path: str) -> _Found | None:
        data = self._get(f"{_OPENALEX}/works/{path}")
        return openalex_found(data) if data and data.get("id") else None

    def search(self, target: EnrichTarget) -> _Found | None:
        import pyalex

        query = pyalex.Works().search_filter(title=normal_title(target.title)).filter(publication_year=target.year)
        data = self._get(f"{query.url}&per-page=10")
        for work in (data or {}).get("results") or []:
            found = openalex_found(work)
            if title_matches(target, found.title, found.first_author, found.year):
                return found
        return None

    def find(self, target: EnrichTarget) -> tuple[_Found | None, str]:
        doi, axv = normal_doi(target.doi), _arxiv_norm(target.arxiv)
        if doi and (found := self.work(f"https://doi.org/{_doi_url_part(doi)}")):
            return found, "doi"
        if axv and (found := self.work(f"https://doi.org/{_ARXIV_DOI}{axv}")):
            return found, "arxiv"
        if target.pmid and (found := self.work(f"pmid:{target.pmid}")):
            return found, "pmid"
        if _title_ready(target) and (found := self.search(target)):
            return found, "title"
        return None, ""


class _CrossrefClient:
    def __init__(self, identity: _Identity):
        import httpx
        from habanero import Crossref

        # habanero sends 'python-httpx/... habanero/... (mailto:<sender>) <ua_string>'.
        extra = identity.product if identity.sender else identity.user_agent
        self.cr = Crossref(mailto=identity.sender, ua_string=extra,
                           timeout=httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT))
        self.throttle = _Throttle(INTERVAL["crossref"])

    def _call(self, what: str, call: Callable[[], object]) -> dict | None:
        import httpx
        from habanero import RequestError

        def attempt():
            try:
                data = call()
            except httpx.HTTPStatusError as err:
                _check_status(err.response.status_code, err.response.headers.get("Retry-After"), what)
                return None
            except RequestError as err:
                _check_status(int(err.status_code), None, what)
                return None
            except httpx.HTTPError as err:
                raise _from_httpx(err) from err
            except RuntimeError as err:     # habanero wraps transport errors of searches in RuntimeError
                if isinstance(err.__context__, httpx.HTTPError):
                    raise _from_httpx(err.__context__) from err
                raise
            message = data.get("message") if isinstance(data, dict) else None
            return message if isinstance(message, dict) else None

        return _polite("crossref", self.throttle, attempt)

    def work(self, doi: str) -> _Found | None:
        message = self._call(doi, lambda: self.cr.works(ids=doi))
        return crossref_found(message) if message and message.get("DOI") else None

    def search(self, target: EnrichTarget) -> _Found | None:
        year = str(target.year)
        message = self._call(f"title '{target.title}'", lambda: self.cr.works(
            query_bibliographic=normal_title(target.title), query_author=target.first_author_family,
            filter={"from_pub_date": year, "until_pub_date": year}, limit=10))
        for item in (message or {}).get("items") or []:
            found = crossref_found(item)
            if title_matches(target, found.title, found.first_author, found.year):
                return found
        return None


class _ArxivClient:
    def __init__(self, session):
        import arxiv

        self.client = arxiv.Client(page_size=100, delay_seconds=INTERVAL["arxiv"], num_retries=0)
        # The package offers no timeout setting; its own session would wait forever on a
        # stalled connection, so it gets ours (same requests API, with timeouts).
        self.client._session = session
        self.throttle = _Throttle(INTERVAL["arxiv"])

    def work(self, ident: str) -> _Found | None:
        import arxiv
        import requests

        def call():
            try:
                results = list(self.client.results(arxiv.Search(id_list=[ident], max_results=1)))
            except arxiv.HTTPError as err:
                _check_status(err.status, None, f"arXiv {ident}")
                return None
            except requests.RequestException as err:
                raise _from_requests(err) from err
            return results[0] if results else None

        result = _polite("arxiv", self.throttle, call)
        if result is None or _arxiv_norm(result.entry_id) != ident:
            return None
        ids = {"arxiv": ident}
        if normal_doi(result.doi):
            ids["doi"] = normal_doi(result.doi)
        return _Found("arxiv", clean_abstract(result.summary or ""), ids, [], result.title or "",
                      result.authors[0].name if result.authors else "",
                      result.published.year if result.published else None)


# --------------------------------------------------------------------------- lookup

def _merge(found: list[_Found], matched_by: str) -> ServiceRecord:
    abstract, source = "", ""
    for one in found:
        if one.abstract:
            abstract, source = one.abstract, one.service
            break
    ids: dict[str, str] = {}
    references: dict[str, None] = {}
    for one in found:
        for name, value in one.ids.items():
            ids.setdefault(name, value)
        for ref in one.references:
            references.setdefault(ref, None)
    return ServiceRecord(abstract, source, ids, tuple(references), matched_by)


def _lookup_one(target: EnrichTarget, clients: dict) -> ServiceRecord | None:
    found: list[_Found] = []
    matched_by = ""
    if "openalex" in clients:
        hit, matched_by = clients["openalex"].find(target)
        if hit:
            found.append(hit)
    known = {k: v for one in found for k, v in one.ids.items()}
    doi = normal_doi(target.doi) or known.get("doi")
    if "crossref" in clients:
        hit, how = None, ""
        if doi and not doi.startswith(_ARXIV_DOI):
            hit, how = clients["crossref"].work(doi), "doi"
        elif not found and not doi and _title_ready(target):
            hit, how = clients["crossref"].search(target), "title"
        if hit:
            found.append(hit)
            matched_by = matched_by or how
    ident = _arxiv_norm(target.arxiv) or known.get("arxiv")
    if "arxiv" in clients and ident and not any(one.abstract for one in found):
        hit = clients["arxiv"].work(ident)
        if hit:
            found.append(hit)
            matched_by = matched_by or "arxiv"
    return _merge(found, matched_by) if found else None


def _fingerprint(target: EnrichTarget, services: Iterable[str]) -> list:
    return [normal_doi(target.doi) or "", _arxiv_norm(target.arxiv) or "", target.pmid or "",
            normal_title(target.title), name_key(target.first_author_family), target.year or 0,
            ",".join(services)]


def _from_cache(entry: object, fingerprint: list, today: date) -> tuple[bool, ServiceRecord | None]:
    """(usable, record) of one cache entry."""
    if not isinstance(entry, dict) or entry.get("v") != CACHE_VERSION or entry.get("target") != fingerprint:
        return False, None
    if entry.get("record") is None:
        try:
            checked = date.fromisoformat(str(entry.get("checked")))
        except ValueError:
            return False, None
        return (today - checked).days < RECHECK_MISSING_DAYS, None
    record = ServiceRecord.from_json(entry["record"])
    return record is not None, record


def lookup(targets: list[EnrichTarget], contact: str, progress: Callable[[int, int, str], None] | None = None,
           cache: dict | None = None, *, services: Iterable[str] = SERVICES,
           openalex_api_key: str | None = None) -> dict[str, ServiceRecord]:
    """key -> what OpenAlex / Crossref / arXiv know of that entry (entries none knew are left out).

    `targets`: EnrichTargets, or anything `as_target` reads (Papers, other entry records).

    `contact`: the maintainer's e-mail address (or a name with one), sent with every request.
    `progress(done, total, key)` is called after each entry. `cache` (a JSON-able dict the
    caller loads and saves) is read first and updated after every entry, also when the run
    ends early (`ServiceUnavailable`, KeyboardInterrupt). `services` picks and orders nothing:
    it only leaves services out. `openalex_api_key` (default: $OPENALEX_API_KEY): OpenAlex
    wants a free key since February 2026; without one it answers a few searches a day (look-ups
    by DOI / PubMed id cost nothing). Raises ServiceUnavailable when a service cannot be reached.
    """
    wanted = set(services)
    if wanted - set(SERVICES):
        raise ValueError(f"unknown services: {sorted(wanted - set(SERVICES))}")
    services = tuple(s for s in SERVICES if s in wanted)
    targets = [as_target(t) for t in targets]
    cache = {} if cache is None else cache
    today = date.today()
    results: dict[str, ServiceRecord] = {}
    clients: dict | None = None
    sessions = []
    try:
        for done, target in enumerate(targets, 1):
            fingerprint = _fingerprint(target, services)
            usable, record = _from_cache(cache.get(target.key), fingerprint, today)
            if not usable:
                if clients is None:
                    clients, sessions = _clients(contact, services, openalex_api_key)
                record = _lookup_one(target, clients)
                cache[target.key] = {"v": CACHE_VERSION, "target": fingerprint, "checked": today.isoformat(),
                                     "record": record.to_json() if record else None}
            if record is not None:
                results[target.key] = record
            if progress is not None:
                progress(done, len(targets), target.key)
    finally:
        for session in sessions:
            session.close()
    return results


def cached_records(targets: list[EnrichTarget], cache: Mapping, *,
                   services: Iterable[str] = SERVICES) -> dict[str, ServiceRecord]:
    """What `lookup` (with these `services`) would return from `cache` alone, without any
    request: the records of the entries already looked up, e.g. before a run was stopped."""
    services = tuple(s for s in SERVICES if s in set(services))
    today = date.today()
    results: dict[str, ServiceRecord] = {}
    for target in (as_target(t) for t in targets):
        usable, record = _from_cache(cache.get(target.key), _fingerprint(target, services), today)
        if usable and record is not None:
            results[target.key] = record
    return results


_CLIENT_PACKAGES = {"openalex": "pyalex", "crossref": "habanero", "arxiv": "arxiv"}


def _clients(contact: str, services: tuple[str, ...], openalex_api_key: str | None) -> tuple[dict, list]:
    import importlib
    import os

    identity = _identity(contact)
    for service in services:
        try:
            importlib.import_module(_CLIENT_PACKAGES[service])
        except ImportError:
            raise MissingExtra(f"looking up {NAMES[service]} needs the '{_CLIENT_PACKAGES[service]}' package: "
                               "pip install 'annobib[enrich]'") from None
    session = _session(identity.user_agent, identity.sender)
    clients: dict = {}
    if "openalex" in services:
        key = openalex_api_key if openalex_api_key is not None else os.environ.get("OPENALEX_API_KEY")
        clients["openalex"] = _OpenAlexClient(session, (key or "").strip() or None)
    if "crossref" in services:
        clients["crossref"] = _CrossrefClient(identity)
    if "arxiv" in services:
        clients["arxiv"] = _ArxivClient(session)
    return clients, [session]

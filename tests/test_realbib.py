"""Real bibliographies nobody here wrote (tests/fixtures/realbib/, see SOURCES.md).

Zotero (Better BibTeX, BibLaTeX and Zotero's own exporter), JabRef (2.10 and biblatex
mode), DBLP with crossref, NASA ADS, Mendeley and a hand-kept file with @string and
crossref. For each: nothing is lost (entries read = published + skipped), the pages
are the entries that have a title and no error (counted here independently of the
loader), every key stands verbatim in all.bib, and the real `bibtex` reads all.bib
with 0 errors. The slow test builds a whole site from each, through the CLI.
"""
from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import bibtexparser
import pytest
from click.testing import CliRunner

from helpers.bibtex import assert_bibtex_accepts

from conftest import leaked, private_fragments, site_text

from annobib.corpus.bibtex import format_bibliography
from annobib.cli import main
from annobib.corpus import load_corpus

REALBIB = Path(__file__).resolve().parent / "fixtures" / "realbib"
# One corpus per origin; crcox's author macros live in a file of their own, read first.
CORPORA = {
    "zotero-bbt-continualai": ["zotero-bbt-continualai.bib"],
    "zotero-native-ferigo": ["zotero-native-ferigo.bib"],
    "zotero-biblatex-bjare": ["zotero-biblatex-bjare.bib"],
    "jabref-authors": ["jabref-authors.bib"],
    "dblp-theuema": ["dblp-theuema.bib"],
    "ads-lsst": ["ads-lsst.bib"],
    "mendeley-jollyhrothgar": ["mendeley-jollyhrothgar.bib"],
    "handkept-coq-biblio": ["handkept-coq-biblio.bib"],
    "jabref210-crcox": ["jabref210-crcox-authorids.bib", "jabref210-crcox-main.bib"],
}
# What each file holds that must be understood, checked on one entry each.
_ENTRY_START = re.compile(r"^\s*@\s*(\w+)\s*[{(]\s*([^,\s]*)\s*,?", re.M)


def corpus(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir(parents=True, exist_ok=True)
    for file in CORPORA[name]:
        shutil.copy(REALBIB / file, folder / file)
    return folder


def independent_count(folder: Path) -> tuple[int, Counter]:
    """Entry blocks (not @string/@comment/@preamble) and how many blocks of each key are
    written with a title field, read with a plain regex, not with annobib's loader."""
    blocks, titled = 0, Counter()
    for path in sorted(folder.glob("*.bib")):
        text = path.read_text(encoding="utf-8")
        starts = [m for m in _ENTRY_START.finditer(text) if m.group(1).lower() not in ("string", "comment", "preamble")]
        blocks += len(starts)
        for i, match in enumerate(starts):
            end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
            if re.search(r"^\s*title\s*=\s*[{\"]?\s*\S", text[match.start():end], re.M | re.I):
                titled[match.group(2) or ""] += 1     # "": written without a key (given one, published)
    return blocks, titled


def test_every_origin_has_its_sources_entry():
    sources = (REALBIB / "SOURCES.md").read_text(encoding="utf-8")
    for files in CORPORA.values():
        for file in files:
            assert file in sources, f"{file} has no provenance in SOURCES.md"
    assert len(CORPORA) >= 6


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_real_file_loads_without_losing_an_entry(tmp_path, name):
    folder = corpus(tmp_path, name)
    loaded = load_corpus(folder)
    blocks, titled = independent_count(folder)
    assert loaded.entries_read == blocks
    assert loaded.entries_read == len(loaded.papers) + len(loaded.skipped)
    given = set(loaded.generated_keys.values())
    assert len(given) == titled[""]                     # every keyless entry with a title got a key
    published = {p.key for p in loaded.papers} - given
    skipped = Counter(p.entry for p in loaded.skipped)
    # Pages are exactly the entries with a title that are not errors.
    assert published <= set(titled), f"published without a title: {sorted(published - set(titled))[:5]}"
    expected = {key for key, count in titled.items() if key and count > skipped[key]}
    assert published == expected, f"titled, not skipped, yet not published: {sorted(expected - published)[:5]}"
    assert all(p.title_text for p in loaded.papers)


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_real_file_all_bib_keeps_keys_and_bibtex_accepts_it(tmp_path, name):
    loaded = load_corpus(corpus(tmp_path, name))
    text = format_bibliography(sorted(loaded.papers, key=lambda p: p.key), flavour="bibtex")
    written = [e.key for e in bibtexparser.parse_string(text).entries]
    assert sorted(written) == sorted(p.key for p in loaded.papers)   # verbatim, every one
    assert_bibtex_accepts(name, text, [p.key for p in loaded.papers], tmp_path / "bibtex")


def test_what_real_exports_carry_is_understood(tmp_path):
    papers = {}
    for name in CORPORA:
        papers.update({p.key: p for p in load_corpus(corpus(tmp_path / name, name)).papers})
    # DBLP: keys with ':' and '/', crossref to @proceedings gives venue and year.
    dblp = next(p for k, p in papers.items() if k.startswith("DBLP:conf/") and p.entry_type == "inproceedings")
    assert dblp.venue and dblp.year and "crossref" not in dict(dblp.fields)
    # BibLaTeX: `date` gives the year, `journaltitle` the venue.
    biblatex = [p for p in papers.values() if "date" in dict(p.fields) and "year" not in dict(p.fields)]
    assert biblatex and all(p.year for p in biblatex)
    # crcox: authors are @string macros from another file, joined with '#'.
    crcox = papers["acosta-cabronero_atrophy_2011"]
    assert crcox.authors[:2] == ("Acosta-Cabronero, Julio", "Patterson, Karalyn")
    # Zotero tags and export noise: '/unread', '#nosource', emoji markers never reach keywords.
    keywords = [k for p in papers.values() for k in p.keywords]
    assert keywords and not [k for k in keywords if k.startswith(("/", "#")) or "⛔" in k]


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CORPORA))
def test_real_file_builds_a_site(tmp_path, name, repo_root):
    """`annobib build` on the file as it is: a page per usable entry, exit 0, no traceback."""
    root = tmp_path / "project"
    shutil.copytree(corpus(tmp_path / "src", name), root / "corpus")
    loaded = load_corpus(root / "corpus")
    result = CliRunner().invoke(main, ["build", "--quiet", "--root", str(root)])
    assert result.exit_code == 0, result.output[-3000:]
    assert "Traceback" not in result.output
    site = root / "site"
    pages = sorted(p.parent.name for p in (site / "papers").glob("*/index.html"))
    assert len(pages) == len(loaded.papers)
    all_bib = (site / "bib" / "all.bib").read_text(encoding="utf-8")
    for paper in loaded.papers:
        assert f"{{{paper.key}," in all_bib
    summary = [line for line in result.output.splitlines() if line.startswith("entries read:")]
    assert summary == [f"entries read: {loaded.entries_read} = {len(loaded.papers)} published + "
                       f"{len(loaded.skipped)} skipped ({len(loaded.errors)} error(s), {len(loaded.warnings)} warning(s))"]
    assert_bibtex_accepts(name, all_bib, [p.key for p in loaded.papers], tmp_path / "bibtex")
    # Nothing private in any file of the site: paths, notes, time stamps (Pagefind's index too).
    text = site_text(site)
    assert leaked(private_fragments(root / "corpus"), text) == {}
    assert str(root.resolve()).lower() not in text and str(tmp_path).lower() not in text   # no local path either

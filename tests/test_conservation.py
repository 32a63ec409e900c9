"""Every input paper is in the output exactly once: its page, all.bib, papers.json and
one primary theme. `annobib.build.check_conservation` guards a build; here it is fed
doctored sites (each fault must raise BuildError, never pass or crash), and a real
small build is checked independently of it (slow).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import bibtexparser
import pytest
import yaml

from helpers.hostile import literal_cases, session_site

from annobib.corpus.bibtex import format_bibliography, format_entry
from annobib.build import check_conservation
from annobib.errors import BuildError
from annobib.models import Bibliography, Paper, Theme

KEYS = ("alpha2020", "beta2021", "gamma2022", "delta2023")


def _papers(keys=KEYS) -> tuple[Paper, ...]:
    return tuple(Paper(key=k, entry_type="misc", title=f"Title of {k}", abstract=f"Abstract of {k}.",
                       fields=(("title", f"Title of {k}"), ("abstract", f"Abstract of {k}."))) for k in keys)


def _bibliography(papers=None, themes=None, theme_of=None) -> Bibliography:
    papers = papers if papers is not None else _papers()
    if themes is None:
        themes = (Theme("one", "One", papers=tuple(sorted(p.key for p in papers[:2]))),
                  Theme("two", "Two", papers=tuple(sorted(p.key for p in papers[2:]))))
    if theme_of is None:
        theme_of = {k: t.slug for t in themes for k in t.papers}
    return Bibliography(papers=papers, annotations={}, themes=themes, theme_of=theme_of, related={})


def _site(root: Path, papers=None, pages=None, bib_text=None, data=None) -> Path:
    """A site as the renderer writes it: papers/<key>/index.html, bib/all.bib, data/papers.json."""
    papers = papers if papers is not None else _papers()
    site = root / "site"
    for key in (pages if pages is not None else [p.key for p in papers]):
        (site / "papers" / key).mkdir(parents=True, exist_ok=True)
        (site / "papers" / key / "index.html").write_text(f"<h1>{key}</h1>", encoding="utf-8")
    (site / "bib").mkdir(parents=True, exist_ok=True)
    (site / "bib" / "all.bib").write_text(bib_text if bib_text is not None else format_bibliography(papers),
                                          encoding="utf-8")
    (site / "data").mkdir(parents=True, exist_ok=True)
    rows = data if data is not None else [{"key": p.key, "title": p.title} for p in papers]
    (site / "data" / "papers.json").write_text(json.dumps(rows), encoding="utf-8")
    return site


def test_a_complete_site_passes(tmp_path):
    check_conservation(_bibliography(), _site(tmp_path))


def _fails(bib: Bibliography, site: Path, *words: str) -> str:
    with pytest.raises(BuildError) as caught:
        check_conservation(bib, site)
    message = str(caught.value)
    for word in words:
        assert re.search(word, message, re.I), f"the message does not say {word!r}:\n{message}"
    return message


def test_missing_page(tmp_path):
    site = _site(tmp_path, pages=KEYS[:-1])
    _fails(_bibliography(), site, "page", KEYS[-1])


def test_page_folder_without_index(tmp_path):
    site = _site(tmp_path)
    (site / "papers" / KEYS[0] / "index.html").unlink()
    _fails(_bibliography(), site, "page", KEYS[0])


def test_duplicate_bib_entry(tmp_path):
    papers = _papers()
    text = format_bibliography(papers) + "\n" + format_entry(papers[1])
    _fails(_bibliography(), _site(tmp_path, bib_text=text), "all.bib")


def test_missing_bib_entry(tmp_path):
    papers = _papers()
    _fails(_bibliography(), _site(tmp_path, bib_text=format_bibliography(papers[:-1])), "all.bib")


def test_extra_bib_entry(tmp_path):
    papers = _papers()
    text = format_bibliography(papers + _papers(("stranger2019",)))
    _fails(_bibliography(), _site(tmp_path, bib_text=text), "all.bib")


def test_unparseable_bib_entry(tmp_path):
    text = format_bibliography(_papers()) + "\n@misc{broken2020,\n  title = {Unclosed\n"
    _fails(_bibliography(), _site(tmp_path, bib_text=text), "all.bib")


def test_bib_entry_under_another_key(tmp_path):
    text = format_bibliography(_papers()).replace("@misc{gamma2022,", "@misc{gamma2022x,")
    _fails(_bibliography(), _site(tmp_path, bib_text=text), "all.bib")


def test_paper_missing_from_papers_json(tmp_path):
    rows = [{"key": k} for k in KEYS[1:]]
    _fails(_bibliography(), _site(tmp_path, data=rows), "papers.json")


def test_paper_twice_in_papers_json(tmp_path):
    rows = [{"key": k} for k in KEYS + KEYS[:1]]
    _fails(_bibliography(), _site(tmp_path, data=rows), "papers.json")


def test_paper_in_two_themes(tmp_path):
    themes = (Theme("one", "One", papers=KEYS[:3]), Theme("two", "Two", papers=KEYS[2:]))
    _fails(_bibliography(themes=themes), _site(tmp_path), "theme")


def test_paper_in_no_theme(tmp_path):
    themes = (Theme("one", "One", papers=KEYS[:2]), Theme("two", "Two", papers=KEYS[2:3]))
    _fails(_bibliography(themes=themes), _site(tmp_path), "theme")


def test_primary_theme_disagrees_with_theme_lists(tmp_path):
    """theme_of (what a paper page links as its theme) must name the theme that lists it."""
    bib = _bibliography()
    wrong = dict(bib.theme_of, **{KEYS[0]: "two"})
    _fails(_bibliography(theme_of=wrong), _site(tmp_path), "theme", KEYS[0])


def test_missing_all_bib_is_a_build_error_not_a_crash(tmp_path):
    site = _site(tmp_path)
    (site / "bib" / "all.bib").unlink()
    _fails(_bibliography(), site, "all.bib")


def test_missing_papers_json_is_a_build_error_not_a_crash(tmp_path):
    site = _site(tmp_path)
    (site / "data" / "papers.json").unlink()
    _fails(_bibliography(), site, "papers.json")


def test_every_fault_is_listed_at_once(tmp_path):
    papers = _papers()
    site = _site(tmp_path, pages=KEYS[1:], bib_text=format_bibliography(papers[:-1]),
                 data=[{"key": k} for k in KEYS[:2]])
    _fails(_bibliography(), site, "page", "all.bib", "papers.json")


# ---------------------------------------------------------------- a real small build (slow)

@pytest.mark.slow
def test_real_build_holds_every_paper_exactly_once(tmp_path_factory):
    built = session_site(tmp_path_factory, "hostile", "hostile")
    site = built.site
    keys = sorted(c["key"] for c in literal_cases())

    pages = sorted(p.parent.name for p in (site / "papers").glob("*/index.html"))
    assert pages == keys

    library = bibtexparser.parse_string((site / "bib" / "all.bib").read_text(encoding="utf-8"))
    assert not library.failed_blocks
    assert sorted(e.key for e in library.entries) == keys

    rows = json.loads((site / "data" / "papers.json").read_text(encoding="utf-8"))
    assert sorted(r["key"] for r in rows) == keys

    themes = yaml.safe_load((built.root / "corpus" / "themes.yml").read_text(encoding="utf-8"))["themes"]
    memberships = sorted(k for t in themes for k in t["papers"])
    assert memberships == keys, "each paper in exactly one theme of corpus/themes.yml"
    primary = {r["key"]: (r.get("theme") or {}).get("slug") for r in rows}   # theme: {slug, label}
    listed = {k: t["slug"] for t in themes for k in t["papers"]}
    assert {k: v for k, v in primary.items() if isinstance(v, str)} == {k: listed[k] for k in primary
                                                                       if isinstance(primary[k], str)}

    # Theme pages: every paper listed on exactly one theme page's list of papers.
    on_pages: dict[str, list[str]] = {}
    for theme in themes:
        html = (site / "themes" / theme["slug"] / "index.html").read_text(encoding="utf-8")
        article = html[html.find("<article"):html.find("</article>")]
        for key in set(re.findall(r'href="\.\./\.\./papers/([^/"]+)/"', article)):
            on_pages.setdefault(key, []).append(theme["slug"])
    assert sorted(on_pages) == keys
    twice = {k: v for k, v in on_pages.items() if len(v) != 1}
    assert not twice, f"papers on more than one theme page: {twice}"

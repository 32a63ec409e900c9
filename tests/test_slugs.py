"""Paper URLs: slugs of the citation keys, distinct, and permanent once published."""
from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_themes import run, synthetic_corpus  # noqa: E402

from annobib.corpus import paper_slugs, slug  # noqa: E402
from annobib.organize import dump_themes_file, load_themes_file  # noqa: E402


@pytest.mark.parametrize("key, expected", [
    ("chan2022efficient", "chan2022efficient"),
    ("DBLP:conf/nips/VaswaniSPUJGKP17", "dblp-conf-nips-vaswanispujgkp17"),
    ("AltonjiElderTaber:2005", "altonjieldertaber-2005"),
    ("../../../escaped", "escaped"),
    ("müller_2020", "muller-2020"),
    ("2009A&A...507..417T", "2009a-and-a-507-417t"),
    ("..", "paper"),
])
def test_slug_of_a_key(key, expected):
    assert paper_slugs([key], {}, set())[key] == expected
    assert slug(expected) == expected   # a slug is its own slug: published URLs never drift


def test_keys_equal_but_for_case_get_two_urls_and_keep_them_across_builds(tmp_path):
    papers, annotations = synthetic_corpus(40)
    twin = replace(papers[0], key="P0000")            # 'p0000' and 'P0000': one slug, two papers
    papers = papers + [twin]
    annotations = {**annotations, "P0000": replace(annotations["p0000"], key="P0000")}
    bib, doc, _ = run(papers, annotations)
    assert bib.slugs["P0000"] == "p0000" and bib.slugs["p0000"] == "p0000-2"   # code-point order on a first build
    assert doc["urls"] == {"p0000": "p0000-2"}          # only the suffixed URL is recorded
    path = tmp_path / "themes.yml"
    dump_themes_file(doc, path)
    again, _, _ = run(papers, annotations, load_themes_file(path))
    assert again.slugs == bib.slugs


def test_a_newcomer_never_takes_a_published_url():
    # 'chen2014' was published alone; 'Chen2014' arrives later and sorts first.
    assert paper_slugs(["Chen2014", "chen2014"], {}, {"chen2014"}) == {"chen2014": "chen2014", "Chen2014": "chen2014-2"}

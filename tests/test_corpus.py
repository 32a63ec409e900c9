"""The corpus loader: real-world exports just work; faults are located, never silent."""
from __future__ import annotations

from pathlib import Path

from annobib.corpus import load_corpus, split_authors


def write(tmp_path: Path, text: str, name: str = "papers.bib") -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_shipped_corpus_loads_cleanly(repo_root):
    result = load_corpus(repo_root / "corpus")
    assert len(result.papers) == 232
    assert result.errors == []


def test_zotero_biblatex_and_ads_exports_load(tmp_path):
    write(tmp_path, r"""
@string{cvpr = "Proceedings of CVPR"}
@inproceedings{Zotero2020,
  title = {{NeRF}: Representing Scenes},
  author = {Mildenhall, Ben and Srinivasan, Pratul P.},
  booktitle = cvpr # ", Seattle",
  year = {2020}, month = may,
  file = {/home/me/Zotero/storage/nerf.pdf},
  note = {arXiv:2003.08934},
  abstract = {We present a method.}
}
@online{biblatex2021,
  title = {A BibLaTeX Entry}, author = {Doe, Jane}, date = {2021-03-04},
  journaltitle = {Journal of Tests}, eprinttype = {arxiv}, eprint = {2103.01234v2},
  abstract = {Abstract text.}
}
@article{ads2019,
  author = {{Chen}, Wei and {van der Berg}, Anna},
  title = "{Quoted Title}",
  journal = {ApJ}, year = 2019, adsurl = {https://ui.adsabs.harvard.edu/abs/x},
  abstract = {ADS abstract.}
}
""")
    result = load_corpus(tmp_path)
    assert result.errors == [], result.problems
    papers = {p.key: p for p in result.papers}
    zotero = papers["Zotero2020"]
    assert zotero.venue == "Proceedings of CVPR, Seattle"
    assert zotero.arxiv == "2003.08934" and zotero.year == 2020
    assert zotero.authors == ("Mildenhall, Ben", "Srinivasan, Pratul P.")
    biblatex = papers["biblatex2021"]
    assert biblatex.year == 2021 and biblatex.venue == "Journal of Tests" and biblatex.arxiv == "2103.01234"
    assert papers["ads2019"].authors == ("{Chen}, Wei", "{van der Berg}, Anna")


def test_every_fault_is_reported_with_file_line_and_entry(tmp_path):
    write(tmp_path, """@article{good2020, title={Good}, abstract={Fine.}}

@article{notitle2020, abstract={No title here.}}
@article{good2020, title={Again}, abstract={Duplicate key.}}
@article{broken2020, title = {unbalanced, abstract={x}

@article{after2020, title={After}, abstract={Still loaded.}}
""")
    result = load_corpus(tmp_path)
    messages = [(p.line, p.entry, p.message) for p in result.errors]
    assert any(line == 3 and entry == "notitle2020" and "title" in msg for line, entry, msg in messages)
    assert any(line == 4 and entry == "good2020" and "duplicate" in msg for line, entry, msg in messages)
    assert any(line == 5 and entry == "broken2020" and "syntax" in msg for line, entry, msg in messages)
    assert all(p.file.endswith("papers.bib") for p in result.errors)
    assert {p.key for p in result.papers} == {"good2020", "after2020"}


def test_duplicate_keys_across_files_are_errors(tmp_path):
    write(tmp_path, "@article{same2020, title={A}, abstract={a}}\n", "a.bib")
    write(tmp_path, "@article{same2020, title={B}, abstract={b}}\n", "b.bib")
    result = load_corpus(tmp_path)
    assert len(result.errors) == 1
    assert "b.bib" in result.errors[0].file and "a.bib:1" in result.errors[0].message


def test_keys_bibtex_accepts_are_kept_verbatim_and_keys_it_refuses_are_skipped(tmp_path):
    write(tmp_path, "@article{../evil, title={A}, abstract={a}}\n@article{ok-key_1, title={B}, abstract={b}}\n"
                    "@article{DBLP:conf/icfp/X10, title={C}}\n@article{AltonjiElderTaber:2005, title={D}}\n"
                    "@article{bad%key, title={E}}\n")
    result = load_corpus(tmp_path)
    assert [p.key for p in result.papers] == ["../evil", "ok-key_1", "DBLP:conf/icfp/X10", "AltonjiElderTaber:2005"]
    assert [p.entry for p in result.errors] == ["bad%key"] and "BibTeX does not accept" in result.errors[0].message
    assert result.entries_read == 5 == len(result.papers) + len(result.skipped)


def test_non_utf8_file_is_read_in_its_encoding(tmp_path):
    (tmp_path / "latin1.bib").write_bytes("@article{a, title={x},\n abstract={M\xfcller}}\n".encode("latin-1"))
    result = load_corpus(tmp_path)     # tests/test_encodings.py: real files in other encodings
    assert result.errors == [] and [p.abstract for p in result.papers] == ["M\xfcller"]
    assert [p.line for p in result.warnings if "not UTF-8: read as ISO-8859-1" in p.message] == [1]


def test_authors_split_on_and_outside_braces():
    assert split_authors("A. One and {Barnes and Noble} AND C. Three") == ("A. One", "{Barnes and Noble}", "C. Three")


def test_shipped_corpus_urls_do_not_change(repo_root):
    """Every shipped key is already a slug: /papers/<key>/ stays where it was published."""
    import yaml

    from annobib.corpus import paper_slugs

    keys = [p.key for p in load_corpus(repo_root / "corpus").papers]
    themes = yaml.safe_load((repo_root / "corpus" / "themes.yml").read_text(encoding="utf-8"))
    published = {k for t in themes["themes"] for k in t["papers"]}
    assert set(keys) == published
    assert paper_slugs(keys, themes.get("urls") or {}, published) == {k: k for k in keys}


def test_crossref_biblatex_dates_and_keywords(tmp_path):
    write(tmp_path, r"""
@string{acm = "ACM"}
@string{icfp = "Proc. " # acm # " ICFP"}
@proceedings{DBLP:conf/icfp/2010, title = icfp # " 2010", year = 2010, publisher = acm, editor = {Hudak, Paul}}
@inproceedings{Pierce:gridapple, author = {Pierce, Benjamin C. and M{\"u}ller, J.~K.}, title = {Grid Apples},
  crossref = {DBLP:conf/icfp/2010}, pages = {1--10}, month = may}
@online{AltonjiElderTaber:2005, title = {{Selection} on Observed Variables}, date = {2005-03},
  journaltitle = {Journal of Political Economy}, doi = {10/fvn296},
  keywords = {econometrics, /unread, #nosource, ⛔ No DOI found, selection}}
""")
    result = load_corpus(tmp_path)
    papers = {p.key: p for p in result.papers}
    assert result.errors == [] and set(papers) == {"DBLP:conf/icfp/2010", "Pierce:gridapple", "AltonjiElderTaber:2005"}
    pierce = papers["Pierce:gridapple"]
    assert pierce.venue == "Proc. ACM ICFP 2010" and pierce.year == 2010      # inherited through crossref
    assert dict(pierce.fields)["publisher"] == "ACM" and "crossref" not in dict(pierce.fields)
    assert pierce.authors_text == ("Pierce, Benjamin C.", "Müller, J. K.")
    biblatex = papers["AltonjiElderTaber:2005"]
    assert biblatex.year == 2005 and biblatex.venue_text == "Journal of Political Economy"
    assert biblatex.doi == "10/fvn296" and biblatex.title_text == "Selection on Observed Variables"
    assert biblatex.keywords == ("econometrics", "selection")
    assert not biblatex.has_abstract

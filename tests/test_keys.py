"""Citation keys: readable, restricted, stable; a newcomer never renames an existing key."""
from __future__ import annotations

from pathlib import Path

from annobib.corpus import load_corpus
from conftest import load_script

import_listing = load_script("import_listing").import_listing
from annobib.corpus.keys import KEY_PATTERN, base_key, unique_key


def test_key_is_surname_year_first_significant_title_word():
    assert base_key(["Eric R. Chan"], 2022, "Efficient Geometry-aware 3D GANs") == "chan2022efficient"
    assert base_key(["Chan, Eric R."], 2022, "The Efficient Thing") == "chan2022efficient"
    assert base_key(["{Chen}, Wei"], 2014, "On Learning") == "chen2014learning"
    assert base_key(["Thomas M{\\\"u}ller"], 2022, "Instant Neural Graphics Primitives") == "muller2022instant"
    assert base_key(["Roy Or-El"], 2021, "StyleSDF: High-Resolution") == "orel2021stylesdf"


def test_unknown_authors_fall_back_to_title_words():
    assert base_key([], None, "Dynamic Appearance Modeling of Clothed 3D Humans") == "dynamicappearance"
    assert base_key([], 2020, "SL$^{2}$A-INR: Single-Layer") == "sl2ainrsinglelayer2020"


def test_generated_keys_use_only_safe_characters(repo_root):
    for paper in load_corpus(repo_root / "corpus").papers:
        assert KEY_PATTERN.match(paper.key), paper.key


def test_collision_gives_the_newcomer_a_suffix():
    assert unique_key("chen2014learning", set()) == "chen2014learning"
    assert unique_key("chen2014learning", {"chen2014learning"}) == "chen2014learninga"
    assert unique_key("chen2014learning", {"chen2014learning", "chen2014learninga"}) == "chen2014learningb"


def test_adding_a_second_paper_with_the_same_key_never_renames_the_first(tmp_path):
    listing = tmp_path / "listing.txt"
    target = tmp_path / "papers.bib"
    listing.write_text("SubscribeLearning Things\nFirst abstract about things.\n", encoding="utf-8")
    metadata = tmp_path / "meta.jsonl"
    metadata.write_text(
        '{"title": "Learning Things", "authors": ["Wei Chen"], "year": 2014, "confidence": "high"}\n'
        '{"title": "Learning Other Things", "authors": ["Wei Chen"], "year": 2014, "confidence": "high"}\n',
        encoding="utf-8")
    import_listing(listing, metadata, target)
    listing.write_text("SubscribeLearning Other Things\nSecond abstract.\n", encoding="utf-8")
    import_listing(listing, metadata, target)
    keys = [p.key for p in load_corpus(tmp_path).papers]
    assert keys == ["chen2014learning", "chen2014learninga"]
    titles = {p.key: p.title for p in load_corpus(tmp_path).papers}
    assert titles["chen2014learning"] == "Learning Things"


def test_keys_of_the_shipped_corpus_are_stable(repo_root, tmp_path):
    """Re-importing the listing from scratch gives the same keys, in the same order."""
    sources = repo_root / "corpus" / "sources"
    import_listing(sources / "listing-implicit-neural-networks.txt", sources / "metadata.jsonl", tmp_path / "p.bib")
    fresh = [p.key for p in load_corpus(tmp_path).papers]
    shipped = [p.key for p in load_corpus(repo_root / "corpus").papers]
    assert fresh == shipped
    assert "chan2021efficient" in shipped and "orel2021stylesdf" in shipped

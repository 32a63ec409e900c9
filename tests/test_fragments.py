"""Entry blocks converted once: a page rendered again converts only the blocks it has not seen.

Each test converts pages with Python-Markdown and the extensions of annobib's mkdocs.yml, as
MkDocs does, and compares with the whole page converted: the HTML must be the same bytes,
whether a block was converted now or taken from the store.
"""
from __future__ import annotations

import markdown
import pytest

from annobib.render import fragments
from annobib.errors import BuildError
from annobib.render.fragments import KEEP_BUILDS, FragmentStore

PAGE = """\
---
title: A chapter
---

# A chapter

<div class="annobib-download" markdown>
[Download](../bib/chapters/a.bib)
</div>

## Papers

### [Attention is all you need](../papers/vaswani2017.md)

<div class="annobib-entry-details" data-pagefind-ignore markdown>
<p class="annobib-venue">Vaswani et al. · 2017 · NeurIPS</p>
<p class="annobib-summary">A model of attention alone.</p>
</div>

<div class="annobib-keyword" id="kw-attention" markdown>
<span class="annobib-keyword-name">attention</span> [Vaswani](../papers/vaswani2017.md) · [Bahdanau](../papers/bahdanau2015.md)
</div>

## kw-attention

<div class="annobib-keyword" markdown>
See [the theme](../themes/attention.md#papers).
</div>

<div class="annobib-entry" markdown>
<p class="annobib-entry-title" markdown>[Neural machine translation](../papers/bahdanau2015.md)</p>
<div class="annobib-chips" markdown>
[attention](../keywords/a.md#kw-attention) <span class="annobib-chip">alignment</span>
</div>
</div>

<div class="annobib-keyword" markdown>
Back to [the list](#papers).
</div>
"""
FILES = {"bib/chapters/a.bib", "papers/vaswani2017.md", "papers/bahdanau2015.md", "themes/attention.md",
         "keywords/a.md"}


def convert(text: str) -> str:
    md = markdown.Markdown(extensions=["toc", "md_in_html"], extension_configs={"toc": {"permalink": True}})
    return md.convert(text)


def through_store(store: FragmentStore, text: str, files=FILES, src="chapters/a.md", dest="chapters/a/index.html"):
    """What the plugin does around MkDocs' conversion; returns (HTML, the Markdown converted)."""
    prepared, page = store.prepare(text, src, dest, lambda path: path in files)
    return store.finish(convert(prepared), page), prepared


def one_build(store_path, text: str, salt: str = "site", **where):
    """A build's store around one page: (the store, closed; the HTML; the Markdown converted)."""
    store = FragmentStore(store_path, salt)
    html, converted = through_store(store, text, **where)
    store.close()
    return store, html, converted


def second_page_anchors(store: FragmentStore, text: str) -> list[tuple[str, str, str]]:
    """The links into other pages' anchors of the blocks `store` would put back in `text`."""
    _, page = store.prepare(text, "chapters/a.md", "chapters/a/index.html", lambda path: path in FILES)
    store.close()
    return page.anchored


@pytest.fixture
def store_path(tmp_path, monkeypatch):
    """The store, for pages of any size (the page here is small; `MIN_PAGE_CHARACTERS`)."""
    monkeypatch.setattr(fragments, "MIN_PAGE_CHARACTERS", 0)
    return tmp_path / "fragments.sqlite"


def test_a_small_page_is_converted_whole_without_looking_its_blocks_up(tmp_path):
    body = PAGE.split("---\n", 2)[2]
    assert len(body) < fragments.MIN_PAGE_CHARACTERS
    for _ in range(2):
        store, html, converted = one_build(tmp_path / "fragments.sqlite", body)
        assert converted == body and html == convert(body)
        assert (store.converted, store.reused) == (0, 0)


def test_a_page_rendered_again_converts_only_its_new_blocks_and_is_the_same_html(store_path):
    body = PAGE.split("---\n", 2)[2]
    first = FragmentStore(store_path, "site")
    html, converted = through_store(first, body)
    assert html == convert(body)
    assert (first.converted, first.reused) == (5, 0), "the block linking into its own page is not stored"
    assert "data-annobib" not in html
    first.close()

    grown = body.replace("## kw-attention", "<div class=\"annobib-entry-details\" markdown>\n"
                                            "<p>A new paper.</p>\n</div>\n\n## kw-attention")
    second = FragmentStore(store_path, "site")
    html, converted = through_store(second, grown)
    second.close()
    assert html == convert(grown), "stored blocks put back give the bytes of a whole conversion"
    assert (second.converted, second.reused) == (1, 5)
    assert "A model of attention alone" not in converted, "a known block is not converted again"
    assert "alignment" not in converted, "nor one with divs inside it"
    assert second_page_anchors(FragmentStore(store_path, "site"), grown) == [("themes/attention.md", "papers", "../themes/attention.md#papers"),
                                                  ("keywords/a.md", "kw-attention", "../keywords/a.md#kw-attention")]
    assert "A new paper" in converted


def test_a_stub_keeps_the_block_id_so_heading_ids_do_not_change(store_path):
    """A heading whose id a block already uses gets another id (Markdown's toc): the same
    with the block taken from the store."""
    body = PAGE.split("---\n", 2)[2]
    FragmentStore(store_path, "site").close()
    for _ in range(2):
        store = FragmentStore(store_path, "site")
        html, _ = through_store(store, body)
        store.close()
        assert html == convert(body)
        assert 'id="kw-attention_1"' in html
    assert store.reused == 5


def test_a_known_block_whose_link_target_is_gone_is_converted_again(store_path):
    body = PAGE.split("---\n", 2)[2]
    one_build(store_path, body)
    second, _, converted = one_build(store_path, body, files=FILES - {"papers/bahdanau2015.md"})
    assert "[Bahdanau](../papers/bahdanau2015.md)" in converted, "MkDocs sees the broken link and reports it"
    assert (second.converted, second.reused) == (2, 3), "the two blocks linking to it"


@pytest.mark.parametrize("change", [{"salt": "another site"}, {"src": "papers/a.md"},
                                    {"dest": "chapters/index.html"}])
def test_blocks_are_not_shared_between_sites_or_page_folders(store_path, change):
    """Links are relative to the page, and the HTML depends on the config: another site
    fingerprint or another folder converts again."""
    body = PAGE.split("---\n", 2)[2]
    one_build(store_path, body)
    second, _, _ = one_build(store_path, body, **change)
    assert second.reused == 0


def test_blocks_unused_for_many_builds_are_dropped_and_a_damaged_store_starts_again(store_path):
    body = PAGE.split("---\n", 2)[2]
    one_build(store_path, body)
    for _ in range(KEEP_BUILDS + 1):
        FragmentStore(store_path, "site").close()
    again, _, _ = one_build(store_path, body)
    assert again.reused == 0

    store_path.write_bytes(b"not a database" * 100)
    damaged, html, _ = one_build(store_path, body)
    assert html == convert(body) and damaged.converted == 5


def test_a_stub_an_extension_changed_stops_the_build_rather_than_lose_the_block(store_path):
    """Should a project's own Markdown extension rewrite a stub, its block could not be put
    back: the page is not published without it."""
    body = PAGE.split("---\n", 2)[2]
    one_build(store_path, body)
    second = FragmentStore(store_path, "site")
    prepared, page = second.prepare(body, "chapters/a.md", "chapters/a/index.html", lambda path: path in FILES)
    rewritten = convert(prepared).replace("data-annobib-cached", "data-rewritten", 1)
    with pytest.raises(BuildError, match="render_page_cache: false"):
        second.finish(rewritten, page)

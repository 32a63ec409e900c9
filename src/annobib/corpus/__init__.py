"""The corpus stage: `corpus/*.bib` -> Paper records, every problem located.

    result = load_corpus(Path("corpus"))      # LoadResult: papers, problems, counts

`load` reads BibTeX (macros, concatenation, crossref, BibLaTeX fields) and makes the
papers, `entries` reads what an entry's values say, `rules` is the one rule set of
`check` and `build`, `slugs` makes URLs from keys, `keys` makes keys for entries written
without one.
"""
from .entries import split_authors
from .ids import ARXIV_ID, DOI, arxiv_id, clean_doi, normal_doi
from .load import LoadResult, corpus_files, load_corpus, load_file, read_file, read_text
from .rules import duplicate_papers, latex_problems, normal_title
from .slugs import paper_slugs, slug

__all__ = ["ARXIV_ID", "DOI", "LoadResult", "arxiv_id", "clean_doi", "corpus_files", "duplicate_papers",
           "latex_problems", "load_corpus", "load_file", "normal_doi", "normal_title", "paper_slugs",
           "read_file", "read_text", "slug", "split_authors"]


"""What a Pagefind bundle holds: each page's URL, title and indexed text, read from its
fragment files (gzip of 'pagefind_dcd' and the page's JSON record)."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

FRAGMENT_MARK = b"pagefind_dcd"


def bundle_pages(bundle: Path) -> dict[str, tuple[str, str]]:
    """URL -> (title, indexed text) of every page in the bundle folder (site/pagefind)."""
    pages = {}
    for fragment in sorted((bundle / "fragment").glob("*.pf_fragment")):
        data = gzip.decompress(fragment.read_bytes())
        assert data.startswith(FRAGMENT_MARK), fragment
        record = json.loads(data[len(FRAGMENT_MARK):])
        pages[record["url"]] = (record["meta"].get("title", ""), record["content"])
    return pages

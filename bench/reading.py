"""Figures of issue 23 ("reading experience") from a built site and its corpus.

    .venv/bin/python bench/reading.py --site site --bib corpus/papers.bib [--cache build/cache]

- year/venue disagreements, entries without authors / year (the `annobib check` rules);
- references that print the title twice (a page's formatted references);
- keyword index entries, and the share of them with one paper;
- generic phrases and near-duplicate pairs among the keyphrases each paper page shows,
  judged by today's rules (organize/phrases.py, on the analysis cache's annotations), so an
  old site and a new one are measured alike;
- related-paper reasons by kind, and the share that is only "similar abstract".

Run it on a site built before a change and after it; bench/RESULTS.md, "Reading experience".
"""
from __future__ import annotations

import argparse
import html
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from annobib.corpus.load import read_file, year_of  # noqa: E402
from annobib.corpus.rules import citation_problems  # noqa: E402


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def corpus_figures(bib: Path) -> dict[str, int]:
    problems = [p.message for e in read_file(bib).entries for p in citation_problems(e, year_of(e.values)[0])]
    return {"year/venue disagreements": sum("disagrees" in m for m in problems),
            "entries without authors": sum(m.startswith("no authors") for m in problems),
            "entries without a year": sum(m.startswith("no year") for m in problems)}


def site_figures(site: Path, phrases=None) -> dict[str, object]:
    from annobib.organize.phrases import near_duplicates

    pages = {p.parent.name: p.read_text(encoding="utf-8") for p in sorted(site.glob("papers/*/index.html"))}
    twice = 0
    for page in pages.values():
        title = _text(re.search(r"<h1[^>]*>(.*?)</h1>", page, flags=re.S).group(1)).lower()[:40]
        twice += any(_text(r).lower().count(title) > 1
                     for r in re.findall(r'<p class="annobib-formatted">(.*?)</p>', page, flags=re.S))
    keywords = (site / "keywords" / "index.html").read_text(encoding="utf-8")
    entries = re.findall(r'<div class="annobib-keyword" id="[^"]+">(.*?)</div>', keywords, flags=re.S)
    single = sum(len(re.findall(r'<a href="\.\./papers/', body)) == 1 for body in entries)
    reasons = Counter(_text(r).split(":")[0] for page in pages.values()
                      for r in re.findall(r'class="annobib-reason">(.*?)</span>', page))
    figures: dict[str, object] = {
        "paper pages": len(pages),
        "references printing the title twice (papers)": twice,
        "keywords index entries": len(entries),
        "of them with one paper": f"{single} ({single / max(1, len(entries)):.0%})",
        "related reasons": dict(reasons.most_common()),
        "share 'similar abstract'": f"{reasons['similar abstract'] / max(1, sum(reasons.values())):.1%}",
    }
    if phrases is not None:
        generic = pairs = shown = 0
        for page in pages.values():
            section = page.split('id="keyphrases"', 1)[1].split("</div>", 1)[0] if 'id="keyphrases"' in page else ""
            chips = [_text(c) for c in re.findall(r"<(?:a|span)[^>]*>(.*?)</(?:a|span)>", section.split("<p>", 1)[-1])]
            shown += len(chips)
            generic += sum(phrases.is_generic(c.split(" (")[0]) for c in chips)
            pairs += len(near_duplicates([c.split(" (")[0] for c in chips], phrases.concept))
        figures.update({"keyphrases shown": shown, "generic phrases shown": generic,
                        "near-duplicate pairs shown (one page)": pairs})
    return figures


def phrases_now(bib: Path, cache: Path | None):
    """Today's phrase rules on the corpus's annotations (from the analysis cache)."""
    from annobib.analyze import annotate_papers
    from annobib.config import load_settings
    from annobib.corpus import load_corpus
    from annobib.corpus.themes_file import themes_from_doc
    from annobib.organize.phrases import organize_phrases

    import yaml

    settings = load_settings(ROOT)
    papers = load_corpus(bib.parent).papers
    notes = annotate_papers(papers, settings, cache or ROOT / settings.analyze_cache_dir, progress=False).annotations
    themes_path = bib.parent / "themes.yml"
    doc = yaml.safe_load(themes_path.read_text(encoding="utf-8")) if themes_path.is_file() else None
    stored = list(themes_from_doc(doc, themes_path).themes) if doc else []
    theme_of = {k: t.slug for t in stored for k in t.papers}
    return organize_phrases(papers, notes, theme_of)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", type=Path, required=True, help="a built site/ folder")
    parser.add_argument("--bib", type=Path, default=ROOT / "corpus" / "papers.bib", help="the corpus it was built from")
    parser.add_argument("--cache", type=Path, default=None, help="analysis cache (default: the build's)")
    args = parser.parse_args()
    figures = {**corpus_figures(args.bib), **site_figures(args.site, phrases_now(args.bib, args.cache))}
    for name, value in figures.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()

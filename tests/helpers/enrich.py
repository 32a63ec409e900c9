"""A small collection whose every answer is a recorded one, for `annobib enrich` end to end.

The twenty works of habanero's recorded Crossref search (`query=ecology`, author Carl
Boettiger; tests/fixtures/services/SOURCES.md) become a .bib collection, one entry per
work (its title, authors, year and DOI, as an export would hold them). `annobib enrich`
asks Crossref for each entry by DOI (`GET https://api.crossref.org/works/<doi>`); those
requests were not recorded one by one, but the answer to each is the same work record the
search returned (a search item is a `work` message, plus its relevance `score`). So the
replayed answer to `/works/<doi>` is the recorded item, byte for byte as JSON, in the
envelope Crossref puts around one work (`{"status": "ok", "message-type": "work", ...}`);
nothing in any record is written by hand. Used by tests/test_enrich_run.py,
tests/test_enrich_services.py (which reads its recordings with `interactions` and `body`)
and bench/enrich_recorded.py.
"""
from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import yaml

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "services"
SEARCH = "crossref/test_works_field_queries.yaml"
CONTACT = "jane@example.org"


def interactions(name: str) -> list[dict]:
    return yaml.safe_load((RECORDED / name).read_text(encoding="utf-8"))["interactions"]


def body(interaction: dict) -> str:
    data = interaction["response"]["body"]["string"]
    if isinstance(data, bytes):
        data = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
        data = data.decode("utf-8")
    return data


def boettiger_items() -> list[dict]:
    """The twenty recorded Crossref works, in the search's order."""
    (search,) = [i for i in interactions(SEARCH) if "query.author" in i["request"]["uri"]]
    return json.loads(body(search))["message"]["items"]


def key_of(doi: str) -> str:
    """'10.1111/ele.14024' -> 'w_ele.14024' (the keys tests/test_enrich_services.py uses)."""
    return "w_" + doi.lower().rsplit("/", 1)[1]


def _plain(text: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", text or "").split())


def _bib_text(text: str) -> str:
    """A value safe inside BibTeX braces (the titles hold no braces or backslashes)."""
    return text.replace("{", "").replace("}", "").replace("&", r"\&")


def collection_bib(items: list[dict], curated: dict[str, str] | None = None) -> str:
    """The works as .bib entries; `curated`: key -> an abstract the curator wrote."""
    curated = curated or {}
    entries = []
    for index, item in enumerate(items):
        key = key_of(item["DOI"])
        authors = " and ".join(
            f"{a['family']}, {a.get('given', '')}".rstrip(", ") if a.get("family") else a.get("name", "")
            for a in item.get("author") or [])
        year = (item.get("issued") or {}).get("date-parts", [[None]])[0][0]
        # DOIs as exports write them: some upper case, some with the resolver
        doi = ("https://doi.org/" + item["DOI"].upper()) if index % 2 else item["DOI"]
        fields = [("title", _bib_text(_plain((item.get("title") or [""])[0]))), ("author", _bib_text(authors)),
                  ("year", str(year)), ("doi", doi)]
        if key in curated:
            fields.append(("abstract", curated[key]))
        body_text = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
        entries.append(f"@article{{{key},\n{body_text}\n}}\n")
    return "\n".join(entries)


def write_project(root: Path, items: list[dict], curated: dict[str, str] | None = None,
                  contact: str | None = CONTACT) -> Path:
    (root / "corpus").mkdir(parents=True, exist_ok=True)
    (root / "corpus" / "refs.bib").write_text(collection_bib(items, curated), encoding="utf-8")
    (root / "annobib.yml").write_text(f"enrich_contact: {contact}\n" if contact else "", encoding="utf-8")
    return root


def crossref_cassette(path: Path, items: list[dict]) -> Path:
    """A vcrpy cassette answering `GET https://api.crossref.org/works/<doi>` (the DOI lower case,
    as `services.lookup` asks) with each recorded work."""
    recorded = [i for i in interactions(SEARCH) if "query.author" in i["request"]["uri"]][0]
    date = recorded["response"]["headers"].get("date")
    replayed = []
    for item in items:
        envelope = {"status": "ok", "message-type": "work", "message-version": "1.0.0", "message": item}
        headers = {"content-type": ["application/json"]}
        if date:
            headers["date"] = date
        replayed.append({
            "request": {"body": None, "headers": {}, "method": "GET",
                        "uri": f"https://api.crossref.org/works/{item['DOI'].lower()}"},
            "response": {"status": {"code": 200, "message": "OK"}, "headers": headers,
                         "body": {"string": json.dumps(envelope, ensure_ascii=False)}},
        })
    path.write_text(yaml.safe_dump({"version": 1, "interactions": replayed}, allow_unicode=True), encoding="utf-8")
    return path


def expected_links() -> dict[str, tuple[str, ...]]:
    """Who cites whom among the twenty, as tests/test_enrich_services.py found it from the records."""
    return {
        "w_ele.14024": ("w_s12080-020-00477-4",),
        "w_s12080-020-00477-4": ("w_ele.13085", "w_s12080-013-0192-6"),
        "w_ele.13085": ("w_s12080-013-0192-6",),
        "w_2041-210x.14013": ("w_ele.13085",),
    }

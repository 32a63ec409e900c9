"""Helpers shared by the hostile-input, site, browser, BibTeX and conservation tests.

- the case table (`cases.yml`) and setting a case up as a corpus folder;
- a small HTML tree (stdlib html.parser: no bs4/lxml in the venv) with the injection checks;
- building a throw-away project (mkdocs.yml + docs/ + a corpus) into a temp folder, once
  per test session per corpus, with the analysis cache of that temp root.
"""
from __future__ import annotations

import html.parser
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

REPO = Path(__file__).resolve().parents[2]
HERE = REPO / "tests" / "hostile"          # the case table and its corpus files
CASES_FILE = HERE / "cases.yml"
ONE_MEGABYTE = "@@ONE_MEGABYTE@@"
# Text every hostile payload carries; it must never reach an executable place.
MARKERS = ("xss-", "alert(", "evil.example")


# ---------------------------------------------------------------- the case table

def load_cases() -> dict[str, list[dict]]:
    return yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))


def error_cases() -> list[dict]:
    return load_cases()["error"]


def accepted_cases() -> list[dict]:
    return load_cases()["accepted"]


def literal_cases() -> list[dict]:
    return load_cases()["literal"]


def materialise(case: dict, corpus_dir: Path) -> list[Path]:
    """Copy the case's files into corpus_dir (bytes as they are; the 1 MiB marker expanded)."""
    corpus_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in case["files"]:
        data = (HERE / name).read_bytes()
        if ONE_MEGABYTE.encode() in data:
            words = ("lorem ipsum dolor sit amet " * (2 ** 20 // 27 + 1))[: 2 ** 20]
            data = data.replace(ONE_MEGABYTE.encode(), words.encode())
        target = corpus_dir / Path(name).name
        target.write_bytes(data)
        written.append(target)
    return written


# ---------------------------------------------------------------- a small HTML tree

VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())


@dataclass
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list = field(default_factory=list)   # Node or str
    parent: "Node | None" = None
    line: int = 0

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def text(self, skip=("script", "style", "template", "noscript")) -> str:
        parts = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif child.tag not in skip:
                parts.append(child.text(skip))
                if child.tag in {"p", "div", "li", "br", "h1", "h2", "h3", "h4", "td", "th", "tr", "dd", "dt", "section", "article"}:
                    parts.append(" ")
        return "".join(parts)

    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def describe(self) -> str:
        attrs = " ".join(f'{k}="{v[:60]}"' for k, v in self.attrs.items())
        return f"<{self.tag} {attrs}> (line {self.line})".replace(" >", ">")


class _TreeBuilder(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k.lower(): (v or "") for k, v in attrs}, parent=self.stack[-1], line=self.getpos()[0])
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        node = Node(tag, {k.lower(): (v or "") for k, v in attrs}, parent=self.stack[-1], line=self.getpos()[0])
        self.stack[-1].children.append(node)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse_html(text: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def visible_text(root: Node) -> str:
    body = next((n for n in root.iter() if n.tag == "body"), root)
    return squash(body.text())


def prose_text(root: Node) -> str:
    """What a reader reads on the page: visible text without <pre> blocks (the BibTeX source)."""
    body = next((n for n in root.iter() if n.tag == "body"), root)
    return squash(body.text(skip=("script", "style", "template", "noscript", "pre")))


def element_matches(node: Node, spec: dict) -> bool:
    if spec.get("tag") and node.tag != spec["tag"]:
        return False
    if spec.get("class") and spec["class"] not in node.classes():
        return False
    if spec.get("attr") and spec["attr"] not in node.attrs:
        return False
    if spec.get("text") and spec["text"] not in squash(node.text(skip=())):
        return False
    if spec.get("text_exact") and spec["text_exact"] != squash(node.text(skip=())):
        return False
    return True


# ---------------------------------------------------------------- injection checks

URL_ATTRS = ("href", "src", "action", "formaction", "srcset", "poster", "data", "xlink:href", "background", "lowsrc")
DANGEROUS_TAGS = ("iframe", "object", "embed", "frame", "frameset", "applet", "base")
BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html")


def _scheme_of(value: str) -> str:
    cleaned = re.sub(r"[\x00-\x20]", "", value).lower()
    return cleaned


def _is_own_script_src(src: str) -> bool:
    """The site's own scripts: relative paths (assets/, search/, js/) — no other host."""
    parts = urlsplit(src.strip())
    return not parts.scheme and not parts.netloc


def injection_faults(root: Node, page: str) -> list[str]:
    """Everything on a built page that a corpus text could have injected."""
    faults = []
    for node in root.iter():
        if node.tag == "#document":
            continue
        where = f"{page}: {node.describe()}"
        for name, value in node.attrs.items():
            if name.startswith("on"):
                faults.append(f"{where}: event-handler attribute {name}")
            if name in URL_ATTRS or (name == "content" and node.tag == "meta" and node.attrs.get("http-equiv", "").lower() == "refresh"):
                cleaned = _scheme_of(value)
                if any(s in cleaned for s in BAD_SCHEMES):
                    faults.append(f"{where}: {name} holds a script URL")
                if "evil.example" in cleaned:
                    faults.append(f"{where}: {name} points at evil.example (a link or image from a corpus text)")
            if name == "style" and any(m in value for m in MARKERS):
                faults.append(f"{where}: style attribute holds corpus text")
        if node.tag in DANGEROUS_TAGS:
            faults.append(f"{where}: <{node.tag}> element")
        if node.tag == "meta" and node.attrs.get("http-equiv", "").lower() == "refresh":
            faults.append(f"{where}: meta refresh")
        if node.tag == "script":
            src = node.attrs.get("src")
            body = "".join(c for c in node.children if isinstance(c, str))
            if src is not None and not _is_own_script_src(src):
                faults.append(f"{where}: script from another host")
            if src is None and any(m in body for m in MARKERS):
                kind = node.attrs.get("type", "").lower()
                if kind not in {"application/json", "application/ld+json"} or not _is_json(body):
                    faults.append(f"{where}: inline script holds corpus text: {body[:120]!r}")
        if node.tag == "svg" and any(a.startswith("on") for a in node.attrs):
            faults.append(f"{where}: svg with a handler")
    return faults


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
        return True
    except ValueError:
        return False


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


# ---------------------------------------------------------------- throw-away projects

_BUILT: dict = {}


def make_project(root: Path, corpus_files: list[Path] | None = None, corpus_dir: Path | None = None) -> Path:
    """A project folder like the repository's: mkdocs.yml, docs/, annobib.yml, a corpus."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("mkdocs.yml", "annobib.yml"):
        if (REPO / name).is_file():
            shutil.copy2(REPO / name, root / name)
    if (REPO / "docs").is_dir():
        shutil.copytree(REPO / "docs", root / "docs", dirs_exist_ok=True)
    else:
        (root / "docs").mkdir(exist_ok=True)
    corpus = root / "corpus"
    if corpus_dir is not None:
        shutil.copytree(corpus_dir, corpus, dirs_exist_ok=True)
    corpus.mkdir(exist_ok=True)
    for path in corpus_files or []:
        shutil.copy2(path, corpus / path.name)
    return root


def seed_cache(root: Path) -> None:
    """Reuse the repository's analysis cache (content-addressed, so always safe) to save time."""
    cache = REPO / "build" / "cache"
    if cache.is_dir():
        shutil.copytree(cache, root / "build" / "cache", dirs_exist_ok=True)


def build_project(root: Path) -> Path:
    """`annobib.build.build_site` on a project folder; returns its site/."""
    from annobib.build import build_site
    from annobib.config import load_settings

    settings = load_settings(root)
    build_site(root, settings, log=lambda *a, **k: None, progress=False)
    return root / settings.render_site_dir


def render_available() -> str | None:
    """None when the render and organize stages exist, else why the site tests must wait."""
    try:
        import annobib.organize as organize
        import annobib.render as render
    except Exception as exc:  # pragma: no cover - depends on what has landed
        return f"render/organize stage not importable yet: {exc}"
    if not hasattr(render, "render_site") or not hasattr(organize, "organize"):
        return "render/organize stage not complete yet"
    if not (REPO / "mkdocs.yml").is_file():
        return "mkdocs.yml not written yet"
    return None


def hostile_literal_corpus(dest: Path) -> Path:
    """A corpus folder with every 'literal' case (one file each), and beside it the
    project's notes/ folder with the hostile curator's notes (tests/hostile/notes/)."""
    dest.mkdir(parents=True, exist_ok=True)
    for case in literal_cases():
        materialise(case, dest)
    notes = dest.parent / "notes"
    notes.mkdir(exist_ok=True)
    for note in sorted((HERE / "notes").glob("*.md")):
        data = note.read_bytes()
        if ONE_MEGABYTE.encode() in data:
            words = ("lorem ipsum dolor sit amet " * (2 ** 20 // 27 + 1))[: 2 ** 20]
            data = data.replace(ONE_MEGABYTE.encode(), words.encode())
        (notes / note.name).write_bytes(data)
    return dest


@dataclass
class BuiltProject:
    root: Path
    site: Path
    created_outside: list[str]    # files the build wrote outside root/site, root/build, themes.yml


def built_site(name: str, base: Path, corpus: str) -> BuiltProject:
    """Build a project once per session (memoised by name); corpus = 'hostile' or 'shipped'."""
    if name in _BUILT:
        if isinstance(_BUILT[name], BaseException):
            raise _BUILT[name]   # a failed build is not retried by every module that needs it
        return _BUILT[name]
    try:
        _BUILT[name] = _build(name, base, corpus)
    except Exception as exc:
        _BUILT[name] = exc
        raise
    return _BUILT[name]


def _build(name: str, base: Path, corpus: str) -> BuiltProject:
    root = base / name
    if corpus == "hostile":
        make_project(root)
        hostile_literal_corpus(root / "corpus")
    else:
        make_project(root, corpus_dir=REPO / "corpus")
    seed_cache(root)
    before = snapshot(base)
    site = build_project(root)
    allowed = (f"{name}/site/", f"{name}/build/", f"{name}/corpus/themes.yml", f"{name}/corpus/added.yml",
               f"{name}/notes/")
    created = sorted(p for p in set(snapshot(base)) - set(before) if not p.startswith(allowed))
    return BuiltProject(root, site, created)


def session_site(tmp_path_factory, name: str, corpus: str) -> BuiltProject:
    """One build per name per test session, shared by every test module."""
    base = tmp_path_factory.getbasetemp() / "annobib-sites"
    base.mkdir(exist_ok=True)
    return built_site(name, base, corpus)


def snapshot(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*") if p.is_file()}


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """The real `annobib` command in a subprocess (real stderr, real exit code)."""
    return subprocess.run([sys.executable, "-m", "annobib", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, encoding="utf-8", errors="replace")


def search_documents(site: Path) -> list[dict]:
    """What the site's search shows: Pagefind's fragments (gzip, 'pagefind_dcd' + JSON), or
    Material's index when the site was built with `render_search: lunr`."""
    import gzip

    lunr = site / "search" / "search_index.json"
    if lunr.is_file():
        return [{"location": d.get("location"), "title": d.get("title", ""), "text": d.get("text", "")}
                for d in json.loads(lunr.read_text(encoding="utf-8"))["docs"]]
    documents = []
    for fragment in sorted((site / "pagefind" / "fragment").glob("*.pf_fragment")):
        data = json.loads(gzip.decompress(fragment.read_bytes()).decode("utf-8").removeprefix("pagefind_dcd"))
        documents.append({"location": data.get("url"), "title": (data.get("meta") or {}).get("title", ""),
                          "text": data.get("content", "")})
    return documents

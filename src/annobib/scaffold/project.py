"""`annobib new DIR`: a bibliography project of one's own, ready to build and publish.

    written = new_project(Path("mybib"), title="My bibliography")

Writes annobib.yml (the site's identity and the model settings), corpus/ (empty, with
a README), mkdocs.yml (the base MkDocs config the build inherits), docs/about.md,
the GitHub Actions workflows (check on pull requests, build and deploy on pushes; they
install annobib as a package) and .gitignore. Nothing is overwritten: the folder must
be new or empty.
"""
from __future__ import annotations

import html
from pathlib import Path

import yaml

from ..config import Settings
from ..errors import ScaffoldError   # the catalogue of errors; importable from here too

FILES = Path(__file__).parent / "files"
BASE_MKDOCS = FILES / "mkdocs.yml"

ANNOBIB_YML_HEADER = """\
# annobib settings for this bibliography (every key and its default: `annobib.config.Settings`).
# The site's identity: shown in the header, on the home page and in page metadata.
"""
MODELS_COMMENT = """
# Models: the defaults are offline PyPI packages. With network access the canonical
# ones work too: en_core_web_sm and sentence-transformers/all-MiniLM-L6-v2.
"""


def annobib_yml(title: str, description: str, url: str, maintainer: str, repo_url: str) -> str:
    defaults = Settings()
    identity = {"site_name": title, "site_description": description, "site_url": url,
                "site_author": maintainer, "site_repo_url": repo_url}
    models = {"analyze_spacy_model": defaults.analyze_spacy_model,
              "analyze_encoder_model": defaults.analyze_encoder_model,
              "require_abstract": defaults.require_abstract}
    dump = lambda data: yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)  # noqa: E731
    return ANNOBIB_YML_HEADER + dump(identity) + MODELS_COMMENT + dump(models)


def project_files(title: str, description: str = "", url: str = "", maintainer: str = "",
                  repo_url: str = "") -> dict[str, str]:
    """Relative path -> text of every file of a new project.

    docs/about.md is the maintainer's own page to edit: the description goes in as
    HTML-escaped text (and the light `annobib new` imports no renderer)."""
    about = (FILES / "docs" / "about.md").read_text(encoding="utf-8").format(
        description=html.escape(description or title),
        maintainer=f"\nThis bibliography is kept by {html.escape(maintainer)}.\n" if maintainer else "")
    return {
        "annobib.yml": annobib_yml(title, description, url, maintainer, repo_url),
        "mkdocs.yml": BASE_MKDOCS.read_text(encoding="utf-8"),
        "corpus/README.md": (FILES / "corpus-README.md").read_text(encoding="utf-8"),
        "docs/about.md": about,
        ".github/workflows/check.yml": (FILES / "workflows" / "check.yml").read_text(encoding="utf-8"),
        ".github/workflows/pages.yml": (FILES / "workflows" / "pages.yml").read_text(encoding="utf-8"),
        ".gitignore": (FILES / "gitignore").read_text(encoding="utf-8"),
    }


def new_project(folder: Path, title: str, description: str = "", url: str = "", maintainer: str = "",
                repo_url: str = "") -> list[Path]:
    """Create the project in `folder` (new or empty); returns the files written."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ScaffoldError(f"{folder} exists and is not an empty folder: choose a new one")
    if not title.strip():
        raise ScaffoldError("--title must not be empty")
    written = []
    try:
        for relative, content in project_files(title, description, url, maintainer, repo_url).items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
            written.append(target)
    except OSError as exc:
        raise ScaffoldError(f"cannot write {folder}: {exc.strerror or exc}") from None
    return written

"""The site built by Zensical instead of MkDocs (`site_generator: zensical` in annobib.yml).

MkDocs 1.x has had no release since 1.6.1 and Material for MkDocs is in maintenance
mode; Zensical, by the Material team, is their successor and reads mkdocs.yml. It runs
no hooks and skips unknown plugins, and its templates are MiniJinja (no Python), so the
whole site is written before it starts: the Markdown, the downloads and the generated
config (render/generator_config.py `write_mkdocs_config`, with `CONFIG_ENTRIES`), as for MkDocs. What differs:

- No page cache. render/incremental.py reuses unchanged pages through a MkDocs plugin
  (render/page_cache_plugin.py) that Zensical does not run, so Zensical renders every page on
  every build. Its own differential cache (`.cache/` beside the config) sits in the
  staging folder and goes with it.
- Search: Zensical's own (`search.json` and a web worker, on by default). Pagefind is
  not run, and the override's search box (partials/search.html, Pagefind's or lunr's)
  is left out of the theme folder given to Zensical, so its own box is used.
- <head>: Zensical's base.html does not print the front matter's `meta` list (the
  Highwire `citation_*` tags, Open Graph) as Material's does; render/overrides/main.html
  prints it when `extra.annobib_generator` is "zensical", in template syntax that both
  Jinja2 and MiniJinja run. The JSON-LD block, feed links and the trends stylesheet come
  from the same override for both generators.
- Zensical has no `page.is_homepage`; main.html also takes the titled page at the empty
  URL for the home page (the map's script, the title shown once).
- The theme folder (`custom_dir`) is a copy of render/overrides in the staging folder,
  without the search box and the sitemap: Zensical writes its own sitemap.xml (every
  page with site_url set; an empty <urlset> without it, where MkDocs writes none).

The site is still built into the staging folder, counted (`check_conservation`) and
swapped in whole only when everything agrees (build.py, staging.py).
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path

from ..errors import BuildError, OutputNotWritable
from ..staging import module_command, os_error_in_output
from .templating import OVERRIDES_DIR

THEME_DIR = "overrides"     # the copy of render/overrides, beside the generated config
# Zensical's own search box (the override's, partials/search.html with its two partials,
# stays out), and its own sitemap (it cannot render the override's, which
# reads MkDocs' `pages` context: the file came out as Zensical's raw template).
LEFT_OUT = ("partials/search.html", "partials/annobib-search-label.html", "partials/annobib-search-reset.html",
            "assets/javascripts/annobib-search.js", "sitemap.xml")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# What the generated config holds for Zensical (written with the rest of it): the theme
# folder `prepare` makes, and the generator's name, which the override reads (main.html).
CONFIG_ENTRIES = {"theme": {"custom_dir": THEME_DIR}, "extra": {"annobib_generator": "zensical"}}


def require() -> None:
    """Fail at once, with the install hint, when Zensical is not installed."""
    if importlib.util.find_spec("zensical") is None:
        raise BuildError("site_generator: zensical needs Zensical: pip install 'annobib[zensical]' "
                         "(or set site_generator: mkdocs)")


def prepare(config_path: Path) -> None:
    """Make the Zensical theme folder beside the generated config (which names it: `CONFIG_ENTRIES`)."""
    require()
    theme_dir = config_path.parent / THEME_DIR
    shutil.rmtree(theme_dir, ignore_errors=True)
    shutil.copytree(OVERRIDES_DIR, theme_dir, ignore=_left_out)


def _left_out(folder: str, names: list[str]) -> set[str]:
    relative = Path(folder).relative_to(OVERRIDES_DIR)
    return {name for name in names
            if (relative / name).as_posix() in LEFT_OUT or name == "__pycache__"}


def run(config_path: Path, root: Path, source_date_epoch: str) -> None:
    """`zensical build --strict` on the generated config; a warning (a broken link) fails the build."""
    env = dict(os.environ)
    env.setdefault("SOURCE_DATE_EPOCH", source_date_epoch)
    env["NO_COLOR"] = "1"
    done = subprocess.run(module_command("zensical", "build", "--strict", "-f", str(config_path)),
                          cwd=root, env=env, capture_output=True, text=True)
    output = ANSI.sub("", (done.stderr or "") + "\n" + (done.stdout or ""))
    os_error = os_error_in_output(output) if done.returncode != 0 else None
    if os_error:
        raise OutputNotWritable(f"zensical could not write the site: {os_error}; the previous site is untouched")
    if done.returncode != 0:
        detail = "\n".join(output.strip().splitlines()[-20:])
        raise BuildError(f"zensical build --strict failed; the previous site is untouched:\n{detail}")


def page_count(docs_dir: Path) -> int:
    """Pages Zensical rendered: every Markdown page, as it has no page cache."""
    return sum(1 for _ in docs_dir.rglob("*.md"))

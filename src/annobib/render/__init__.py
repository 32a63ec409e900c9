"""Render stage: Bibliography -> MkDocs docs folder (Markdown, downloads, feeds) + generated config.

    result = render_site(bib, docs_dir, settings)        # render/pages.py
    write_mkdocs_config(bib, docs_dir, site_dir, config_path, base_config, settings)

The work lives in modules named by job: `views` (the records pages are filled with,
and `Site`), `templating` (the Jinja environment, `render`), `pages` (the page
functions, `render_site`), `index_pages` (methods, keywords, authors, venues, years),
`downloads` (BibTeX, RIS, CSL-JSON, papers.json), `feeds`, `writer` (the docs folder),
`generator_config` (the generated mkdocs.yml and its nav); `citation`,
`meta`, `charts`, `timeline`, `search`, `notes` and `escape` serve them.
"""
from .generator_config import write_mkdocs_config
from .pages import RenderResult, render_site
from .templating import render
from .views import Link, Site, paper_view

__all__ = ["Link", "RenderResult", "Site", "paper_view", "render", "render_site", "write_mkdocs_config"]

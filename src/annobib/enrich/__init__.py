"""`annobib enrich`: abstracts for entries that have none, kept in `corpus/enrichment.json`.

    report = enrich_project(root, settings, offline=True)

`files` reads the PDFs a `file` field names (Zotero, Better BibTeX, Mendeley, JabRef),
`pdf` takes the abstract from a PDF's first pages (pdfminer.six: `pip install
annobib[enrich]`), `services` looks entries up in OpenAlex, Crossref and arXiv (abstracts,
identifiers, references; never imported by the build), `citations` keeps the references
that are entries of the collection, `sidecar` reads and writes the committed sidecar the
build uses, `run` puts them together. Nothing here changes a .bib file.
"""
from .files import FileItem, parse_file_field, pdf_paths
from .run import EnrichReport, enrich_project
from .sidecar import SIDECAR_NAME, AbstractRecord, Sidecar, apply_sidecar, read_sidecar, write_sidecar

__all__ = ["SIDECAR_NAME", "AbstractRecord", "EnrichReport", "FileItem", "Sidecar",
           "apply_sidecar", "enrich_project", "parse_file_field", "pdf_paths", "read_sidecar", "write_sidecar"]

"""bench/RESULTS.md: each benchmark rewrites only its own `## ` section."""
from __future__ import annotations

import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def replace_section(heading: str, text: str, results: Path = RESULTS) -> None:
    """Put `text` (which starts with `heading`) in place of that section, or append it.
    The file is read right before writing: other benchmarks write other sections."""
    current = results.read_text(encoding="utf-8")
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    body = text.rstrip() + "\n\n"
    updated = pattern.sub(lambda _: body, current) if pattern.search(current) else current.rstrip() + "\n\n" + body
    results.write_text(updated.rstrip() + "\n", encoding="utf-8")

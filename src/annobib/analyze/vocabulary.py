"""The vocabulary of the name extractor: general defaults plus a project's own words.

Defaults (`data/vocabulary.yml`) hold what is true across fields: model families,
metrics, units, organisations, venues, widely used datasets. A project adds the words
of its own field in `vocabulary.yml` at its root (same keys), and they are merged in:

    datasets: [OpenCatalyst, QM9]
    generic_terms: [DFT]      # 'density functional theory' is a field, not a method

The merged vocabulary is part of the analysis cache key, so editing it re-annotates.
"""
from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, fields
from pathlib import Path

import yaml

from ..errors import VocabularyError

DEFAULTS = Path(__file__).parent / "data" / "vocabulary.yml"
PROJECT_FILE = "vocabulary.yml"


@dataclass(frozen=True)
class Vocabulary:
    generic_terms: frozenset[str] = frozenset()    # lower case
    venues: frozenset[str] = frozenset()           # lower case
    conferences: frozenset[str] = frozenset()      # lower case; venues that publish proceedings
    datasets: tuple[str, ...] = ()                 # as written, longest first where they overlap
    context_only_datasets: tuple[str, ...] = ()
    multiword_methods: tuple[str, ...] = ()

    def extended(self, other: "Vocabulary") -> "Vocabulary":
        return Vocabulary(
            self.generic_terms | other.generic_terms, self.venues | other.venues,
            self.conferences | other.conferences,
            _union(self.datasets, other.datasets), _union(self.context_only_datasets, other.context_only_datasets),
            _union(self.multiword_methods, other.multiword_methods))

    @functools.cached_property
    def digest(self) -> str:
        """A stable fingerprint, for cache keys."""
        material = json.dumps({f.name: sorted(getattr(self, f.name)) for f in fields(self)}, ensure_ascii=False)
        return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _union(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(first + second))


def _parse(data, source: str) -> Vocabulary:
    if data is None:
        return Vocabulary()
    known = {f.name for f in fields(Vocabulary)}
    if not isinstance(data, dict) or set(data) - known:
        raise VocabularyError(f"{source}: expected a mapping with some of: {', '.join(sorted(known))}")
    lists = {}
    for name, value in data.items():
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
            raise VocabularyError(f"{source}: '{name}' must be a list of words")
        lists[name] = [str(v) for v in value]
    return Vocabulary(
        generic_terms=frozenset(w.lower() for w in lists.get("generic_terms", [])),
        venues=frozenset(w.lower() for w in lists.get("venues", []) + lists.get("conferences", [])),
        conferences=frozenset(w.lower() for w in lists.get("conferences", [])),
        datasets=tuple(lists.get("datasets", [])),
        context_only_datasets=tuple(lists.get("context_only_datasets", [])),
        multiword_methods=tuple(lists.get("multiword_methods", [])))


@functools.lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    return _parse(yaml.safe_load(DEFAULTS.read_text(encoding="utf-8")), str(DEFAULTS))


def load_vocabulary(root: Path | None) -> Vocabulary:
    """The defaults, extended by `vocabulary.yml` in the project folder when there is one."""
    base = default_vocabulary()
    path = Path(root) / PROJECT_FILE if root is not None else None
    if path is None or not path.is_file():
        return base
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, OSError, UnicodeDecodeError) as exc:
        raise VocabularyError(f"{path}: cannot be read as YAML ({' '.join(str(exc).split())})") from None
    return base.extended(_parse(data, str(path)))

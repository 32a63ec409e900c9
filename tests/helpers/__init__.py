"""Helpers shared by several test files, imported as `from helpers.<module> import ...`.

pytest puts tests/ on sys.path (tests/ is no package and holds conftest.py), so no test
file changes sys.path and no test file imports another test file.

- `hostile`: the hostile-input case table (tests/hostile/cases.yml), a small HTML tree,
  throw-away projects built once per session;
- `enrich`: a collection whose every answer is a recorded one (`annobib enrich` end to end);
- `small_bib`: the small fixture corpus as a hand-made Bibliography (no models);
- `themes`: a synthetic corpus with planted topics and a model-free phrase embedder;
- `bibtex`: the real `bibtex` program run on a .bib, its log read.
"""

# Two commands do all the set-up on a fresh machine:
#   make site   - creates .venv, installs everything, builds site/ from corpus/
#   make test   - the same set-up plus Debian's chromium and bibtex, then the whole test suite
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Where the CPU build of torch comes from: these machines hold it locally; elsewhere pass
# e.g. TORCH_PIP_OPTIONS="--index-url <the PyTorch CPU wheel index>" (see the workflows).
TORCH_PIP_OPTIONS ?=

.PHONY: venv site test test-fast system-deps check serve bench bench-build bench-keyphrases bench-names bench-themes bench-realbib bench-fields bench-scale clean

venv: $(STAMP)

# torch==2.13.0 first: a bare `torch` requirement would pull several GB of CUDA packages.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0 $(TORCH_PIP_OPTIONS)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	# annobib[onnx] (analyze_encoder_backend: onnx), for tests/test_encoder_backend.py; --no-deps
	# so that nothing can replace torch (their other requirements are installed above).
	$(PY) -m pip install --quiet --no-deps optimum==2.1.0 optimum-onnx==0.1.0 onnxruntime==1.32.0 \
	  onnx==1.23.2 ml_dtypes==0.7.0 protobuf==7.36.2 flatbuffers==25.12.19
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

# Browser tests use Debian's chromium (Playwright's own browser download cannot work
# offline); the BibTeX tests run the real `bibtex` with the standard styles. Checked by
# the files the tests use, not only by commands: `bibtex` (texlive-binaries) without
# `plain.bst` (texlive-base) reports errors for every entry.
system-deps:
	@command -v chromium >/dev/null && command -v bibtex >/dev/null && kpsewhich plain.bst >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
	    chromium texlive-binaries texlive-base; }
	@kpsewhich plain.bst >/dev/null && command -v chromium >/dev/null || { \
	  echo "system-deps: plain.bst or chromium still missing after apt-get install" >&2; exit 1; }

site: venv
	$(VENV)/bin/annobib build

check: venv
	$(VENV)/bin/annobib check

serve: site
	$(VENV)/bin/annobib serve

test: venv system-deps
	$(PY) -m pytest

# Quick developer loop: skips the tests that load models, build the full site or drive a browser.
test-fast: venv
	$(PY) -m pytest -m "not slow and not browser"

# Benchmarks print tables and record them in bench/RESULTS.md (timings are ratios within one run).
bench: bench-keyphrases bench-names bench-themes bench-build bench-realbib

bench-keyphrases: venv
	$(PY) bench/keyphrases.py --split test --write-results

bench-build: venv
	$(PY) bench/build.py

bench-names: venv
	$(PY) bench/names.py --write

bench-themes: venv
	$(PY) bench/themes.py --write-results

bench-realbib: venv
	$(PY) bench/realbib.py

bench-fields: venv
	$(PY) bench/fields.py

# Scale: N papers (a comma list), cold build with real analysis and every kind of rebuild;
# about half an hour at N=10000 on 2 cores. KEEP=DIR keeps the projects for a later run.
N ?= 1000
bench-scale: venv
	nice -n 5 $(PY) bench/scale.py --sizes $(N) --analysis 0 $(if $(KEEP),--keep $(KEEP)) $(ARGS)

clean:
	rm -rf build site

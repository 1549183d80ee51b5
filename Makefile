# Two commands on a fresh machine: `make run` (install, prepare models, ingest samples, start the app) and
# `make test` (install, prepare models, run every test). Each step is skipped when already done.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
E5_DIR := data/models/multilingual-e5-small
GGUF := data/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf
# Portable llama.cpp build (AVX2/FMA/F16C): pip caches the wheel under the sdist's address, not these flags, so a
# cached wheel may be reused on another CPU; after changing the flags run `pip cache remove llama_cpp_python`.
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF

.PHONY: install models llm browser office run test test-fast bench bench-ui bench-formats clean-index

$(VENV)/.installed: requirements.txt requirements-llm.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PY) -m pip install -q -r requirements-llm.txt
	touch $@

install: $(VENV)/.installed

llm: install $(GGUF)

$(E5_DIR)/.complete: | install
	OMP_WAIT_POLICY=PASSIVE $(PY) -m vectorstore.e5_convert $(E5_DIR)

$(GGUF): | install
	$(PY) -m assistant.local_model $(GGUF)

models: $(E5_DIR)/.complete $(GGUF)

# The browser tests drive Debian's chromium (never `playwright install`: no browser download is reachable), with a
# CJK font so pages and screenshots show the Chinese. Skipped when both are there.
browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei; fi

# .doc and .wps files are read through LibreOffice (headless, Writer only); the format tests make their .doc, .wps
# and text PDF with it and render their scans with a CJK font; OpenCV (under the OCR engine) needs libGL and glib.
# The Word files 审校 writes are opened by LibreOffice in tests/test_review.py. Skipped when all are there.
office:
	@if ! command -v soffice >/dev/null || ! fc-list :lang=zh 2>/dev/null | grep -q . \
	  || ! ldconfig -p | grep -q 'libGL.so.1 ' || ! ldconfig -p | grep -q libgthread-2.0; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-writer-nogui \
	  fonts-wqy-microhei libgl1 libglib2.0-0; fi

run: install models
	@if [ ! -s data/index/manifest.json ]; then $(PY) -m ingest data/samples; fi
	$(PY) app.py

test: install models browser office
	@set +e; $(PY) -m pytest -q -rs --durations=15; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$rc

# Chain logic, guards, library operations, CLI contracts and hostile input over the hash embedder: no e5 model,
# LibreOffice, OCR, chroma server, kill -9 or local LLM (those run in `make test`; markers in pyproject.toml).
FAST := not slow and not e5 and not office and not ocr and not server and not processes

test-fast: install
	$(PY) -m pytest -q -n 2 -m "$(FAST)" --durations=15

bench: install models
	$(PY) bench/retrieval.py --docs data/samples --qa bench/data/dev_qa.jsonl

bench-ui: install models browser
	@if [ ! -s data/index/manifest.json ]; then $(PY) -m ingest data/samples; fi
	$(PY) bench/ui.py

bench-formats: install office
	$(PY) bench/formats.py

clean-index:
	rm -rf data/index

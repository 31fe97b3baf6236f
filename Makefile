# Linli — `make setup` then `make run` (or `make test`). See README.md.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export LINLI_HOME ?= $(CURDIR)/var
HTMX_VERSION := 2.0.4

.PHONY: setup system-packages venv htmx sounds translations run test bench extract-messages clean image image-test wheelhouse

setup: system-packages venv htmx sounds translations
	@echo "Setup done. Next: make run  (or: make test)"

system-packages:
	@bash scripts/system-packages.sh

venv: $(BIN)/linli

$(BIN)/linli: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

# htmx is served from the box (no CDN); it comes from its npm package at setup time and is
# not committed.
htmx: web/static/vendor/htmx.min.js

web/static/vendor/htmx.min.js:
	@mkdir -p web/static/vendor .cache/npm
	cd .cache/npm && npm pack --silent htmx.org@$(HTMX_VERSION) >/dev/null
	tar -xzf .cache/npm/htmx.org-$(HTMX_VERSION).tgz -C .cache/npm package/dist/htmx.min.js
	cp .cache/npm/package/dist/htmx.min.js $@

# Kiosk voice prompts, rendered once with espeak-ng (not committed).
sounds: web/static/vendor/sounds/granted.wav

web/static/vendor/sounds/granted.wav: scripts/render_sounds.sh
	@bash scripts/render_sounds.sh web/static/vendor/sounds

translations: $(BIN)/linli
	$(BIN)/pybabel compile --use-fuzzy -d web/translations -D messages --statistics 2>&1 | tail -n 1

extract-messages: $(BIN)/linli
	$(BIN)/python scripts/extract_messages.py

run: setup
	$(BIN)/linli run --init-demo

# One process by default: on a 2-core machine two workers (`make test TEST_WORKERS=2`, about
# 8 min instead of 13) make timing-sensitive browser and broker tests flaky.
TEST_WORKERS ?= 0

test: setup
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS)

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .cache web/static/vendor var

# The SD-card image (image-build/README.md). Not part of `make test`; stops with the reason
# when this machine lacks a tool (mmdebstrap, genimage, arm64 emulation).
image: setup
	bash image-build/build.sh all

wheelhouse: setup
	bash image-build/build.sh wheelhouse

image-test:
	bash image-build/test-image.sh


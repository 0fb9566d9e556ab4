# Every task a developer runs is a target here, and CI runs the same ones (.ci/run → make test).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
ACTIVATE := source $(VENV)/bin/activate

.PHONY: install install-dev tools generate check-generated lint typecheck pytest conformance test bench serve

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

install: $(VENV)/bin/python          ## the server, the Python client and the `claude-pool` command
	$(PY) -m pip install --quiet -e clients/python -e .

install-dev: $(VENV)/bin/python      ## plus test, lint and code-generation tools
	$(PY) -m pip install --quiet -e clients/python -e '.[dev]'

tools:                               ## buf (npm), pinned in proto/package-lock.json
	cd proto && npm ci --include=optional --no-audit --no-fund --loglevel=error

generate: install-dev tools          ## regenerate every language from proto/
	$(ACTIVATE) && bash proto/generate.sh

check-generated: generate            ## CI: generated code must match the contract
	git diff --exit-code --stat -- clients proto || (echo "generated code is stale: run 'make generate' and commit" && exit 1)
	test -z "$$(git status --porcelain --untracked-files=all -- clients/*/gen clients/*/src/gen clients/*/src/generated clients/python/claude_pool/v1)" || (echo "untracked generated files: run 'make generate' and commit" && exit 1)

lint: install-dev tools              ## buf lint/format, ruff, import rules
	cd proto && npx buf lint && npx buf format --diff --exit-code
	@tag=$$(git tag --list 'v*' --sort=-v:refname | head -1); \
	if [ -n "$$tag" ]; then echo "buf breaking against $$tag"; \
	  cd proto && npx buf breaking --against "../.git#tag=$$tag,subdir=proto"; \
	else echo "no release tag yet: buf breaking skipped"; fi
	$(ACTIVATE) && ruff check server tests clients/python bench && ruff format --check server tests clients/python bench && lint-imports

typecheck: install-dev               ## mypy --strict on the server package and the Python client
	$(ACTIVATE) && mypy server/claude_pool_server clients/python/claude_pool

pytest: install-dev                  ## the Python suite: unit, store, integration (real CLI), e2e
	$(ACTIVATE) && python -m pytest -q

conformance: install-dev             ## every language's client against a live server
	$(ACTIVATE) && for lang in python typescript go java rust; do \
	  echo "=== conformance: $$lang ==="; \
	  python -m tests.support.live_server -- bash clients/$$lang/ci.sh || exit 1; \
	done

test: check-generated lint typecheck pytest conformance   ## what CI runs

bench: install-dev                   ## benchmarks (by hand; results go to BENCHMARKS.md)
	$(ACTIVATE) && python -m bench.pool_vs_cli

serve: install                       ## start a server on the defaults
	$(VENV)/bin/claude-pool serve

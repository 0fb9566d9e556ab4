#!/usr/bin/env bash
# CI for the Go client: fetch modules, vet, and run the tests (the conformance scenario runs when
# CLAUDE_POOL_TEST_ADDR is set, i.e. under `python -m tests.support.live_server -- bash clients/go/ci.sh`).
# Needs only a Go >= 1.26 toolchain; modules come from the Go module proxy, pinned by go.sum.
set -euo pipefail
if [ -n "${CI:-}" ] && [ -z "${CLAUDE_POOL_TEST_ADDR:-}" ]; then
  echo "CI: CLAUDE_POOL_TEST_ADDR is unset, so the conformance test would only skip;" \
    "run under: python -m tests.support.live_server -- bash $0" >&2
  exit 1
fi
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
go version
go mod download
go vet ./...
go test -count=1 -v -timeout 10m ./...

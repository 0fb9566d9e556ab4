#!/usr/bin/env bash
# CI for the Go client: fetch modules, vet, and run the tests (the conformance scenario runs when
# CLAUDE_POOL_TEST_ADDR is set, i.e. under `python -m tests.support.live_server -- bash clients/go/ci.sh`).
# Needs only a Go >= 1.26 toolchain; modules come from the Go module proxy, pinned by go.sum.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
go version
go mod download
go vet ./...
go test -count=1 -v -timeout 10m ./...

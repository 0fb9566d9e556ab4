#!/usr/bin/env bash
# CI for the Rust client: fetches the locked crates, builds, and runs the unit tests plus the
# conformance scenario (tests/conformance.rs). Run it under the live-server harness from the repo
# root: `python -m tests.support.live_server -- bash clients/rust/ci.sh`. Without the harness the
# conformance test skips. Needs only a Rust toolchain (1.88+) and crates.io.
set -euo pipefail
if [ -n "${CI:-}" ] && [ -z "${CLAUDE_POOL_TEST_ADDR:-}" ]; then
  echo "CI: CLAUDE_POOL_TEST_ADDR is unset, so the conformance test would only skip;" \
    "run under: python -m tests.support.live_server -- bash $0" >&2
  exit 1
fi
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

export CARGO_INCREMENTAL=0 CARGO_TERM_COLOR=never
cargo --version
echo "CLAUDE_POOL_TEST_ADDR=${CLAUDE_POOL_TEST_ADDR:-<unset: conformance will skip>}"
start=$SECONDS
cargo build --locked --all-targets
echo "build: $((SECONDS - start)) s"
cargo test --locked

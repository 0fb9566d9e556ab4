#!/usr/bin/env bash
# CI for the Rust client. Run it under the live-server harness from the repository root:
#   python -m tests.support.live_server -- bash clients/rust/ci.sh
# 1. `cargo test --locked`: unit tests and the conformance scenario (tests/conformance.rs).
# 2. The README check: a new cargo project in a temporary directory, outside the repository, with
#    exactly the README's [dependencies] (the client by path, as crates.io has no release yet) and
#    the README's quickstart as its main.rs, built and run against the live server over mTLS.
# 3. The packaging dry run: what the crate would ship, then `cargo publish --dry-run`, which
#    packages the crate and builds it from the package contents alone.
# Every build shares one target directory, so only the first run compiles the dependencies.
# Needs a Rust toolchain (1.88+), a C compiler (ring) and crates.io; versions pinned by Cargo.lock.
set -euo pipefail
if [ -n "${CI:-}" ] && [ -z "${CLAUDE_POOL_TEST_ADDR:-}" ]; then
  echo "CI: CLAUDE_POOL_TEST_ADDR is unset, so the conformance test would only skip;" \
    "run under: python -m tests.support.live_server -- bash $0" >&2
  exit 1
fi
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$here/target}"
export CARGO_INCREMENTAL=0 CARGO_TERM_COLOR=never
# The same profile for the crate and the README consumer (whose Cargo.toml has no [profile]), so
# the consumer reuses the compiled dependencies.
export CARGO_PROFILE_DEV_DEBUG=false CARGO_PROFILE_TEST_DEBUG=false
cargo --version
echo "CLAUDE_POOL_TEST_ADDR=${CLAUDE_POOL_TEST_ADDR:-<unset: conformance will skip>}"
ci_start=$SECONDS
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# --- 1. unit tests + conformance --------------------------------------------------------------
start=$SECONDS
cargo test --locked
echo "ci: cargo test: $((SECONDS - start)) s"

# --- 2. the README, as a consumer would follow it ---------------------------------------------
# The fenced block of the given language under the given README heading.
readme_block() {
  awk -v heading="$1" -v fence="\`\`\`$2" '
    $0 == heading { in_section = 1; next }
    in_section && /^## / { exit }
    in_section && !in_block && $0 == fence { in_block = 1; next }
    in_block && $0 == "```" { exit }
    in_block { print }
  ' README.md
}
dependencies="$(readme_block "## Install" toml)"
quickstart="$(readme_block "## Quickstart" rust)"
[ "$(head -n1 <<<"$dependencies")" = "[dependencies]" ] || { echo "README: no [dependencies] block" >&2; exit 1; }
grep -q '^claude-pool-client = ' <<<"$dependencies" || { echo "README: no claude-pool-client line" >&2; exit 1; }
# The example in the crate is the README's quickstart, verbatim.
diff <(printf '%s\n' "$quickstart") examples/quickstart.rs

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if [ -n "${CLAUDE_POOL_TEST_ADDR:-}" ]; then
  t0=$(date +%s%N)   # from an empty directory ...
  consumer="$tmp/readme-quickstart"
  cargo new --quiet --vcs none --name readme-quickstart "$consumer"
  # cargo new ends Cargo.toml with an empty [dependencies]: add the README's lines under it, the
  # client by path instead of the (unpublished) crates.io version.
  tail -n +2 <<<"$dependencies" \
    | sed "s|^claude-pool-client = .*|claude-pool-client = { path = \"$here\" }|" >>"$consumer/Cargo.toml"
  printf '%s\n' "$quickstart" >"$consumer/src/main.rs"
  # The client's pinned versions (a new project would resolve the newest ones).
  cp Cargo.lock "$consumer/Cargo.lock"
  (cd "$consumer" && cargo build)
  echo "ci: README consumer built in $(ms "$t0") ms"
  export CLAUDE_POOL_ADDR="$CLAUDE_POOL_TEST_ADDR" CLAUDE_POOL_TOKEN="${CLAUDE_POOL_TEST_TOKEN:-}" \
    CLAUDE_POOL_CA="${CLAUDE_POOL_TEST_TLS_CA:?the README quickstart needs TLS}" \
    CLAUDE_POOL_CERT="${CLAUDE_POOL_TEST_TLS_CERT:-}" CLAUDE_POOL_KEY="${CLAUDE_POOL_TEST_TLS_KEY:-}"
  # ... to the first streamed byte.
  "$CARGO_TARGET_DIR/debug/readme-quickstart" \
    | { first="$(dd bs=1 count=1 2>/dev/null)"; ms "$t0" >"$tmp/first-output-ms"; printf '%s' "$first"; cat; } \
    >"$tmp/quickstart.out"
  cat "$tmp/quickstart.out"
  grep -q 'FAKE-REPLY\[Write a haiku about tide pools\]' "$tmp/quickstart.out"
  grep -q '^\[Completed\]$' "$tmp/quickstart.out"
  echo "ci: README quickstart ok: empty directory to first streamed output in $(cat "$tmp/first-output-ms") ms"
else
  echo "ci: README quickstart not run (no live server)"
fi

# --- 3. packaging dry run ---------------------------------------------------------------------
start=$SECONDS
cargo package --list --allow-dirty --locked >"$tmp/package.list"
grep -qx 'src/gen/claude_pool.v1.rs' "$tmp/package.list" || { echo "the crate lacks the generated code" >&2; exit 1; }
grep -qx 'LICENSE' "$tmp/package.list" || { echo "the crate lacks LICENSE" >&2; exit 1; }
if grep -E '^(codegen/|generate\.sh|ci\.sh)' "$tmp/package.list"; then
  echo "the crate ships the code generator or CI files" >&2
  exit 1
fi
cargo publish --dry-run --allow-dirty --locked
echo "ci: packaging dry run: $((SECONDS - start)) s"
echo "ci: total $((SECONDS - ci_start)) s"

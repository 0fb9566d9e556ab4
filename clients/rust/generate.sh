#!/usr/bin/env bash
# Regenerates src/gen/claude_pool.v1.rs from proto/claude_pool/v1 with the pinned codegen crate
# (tonic-prost-build + protoc from protoc-bin-vendored, versions locked in codegen/Cargo.lock).
# The output is committed and never edited by hand. Runnable from any cwd.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

out="$here/src/gen"
rm -rf "$out"
mkdir -p "$out"
cargo run --quiet --locked --manifest-path "$here/codegen/Cargo.toml" -- "$root/proto" "$out"
echo "generated rust -> clients/rust/src/gen"

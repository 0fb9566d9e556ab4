#!/usr/bin/env bash
# Regenerates src/gen from proto/claude_pool/v1 (plus the vendored google.rpc and grpc.health
# protos) with the buf and protoc-gen-es pinned in proto/package-lock.json (the generator is a
# tool of the contract, not a dependency of this package). Run from anywhere.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tools="$root/proto/node_modules/.bin"
if [[ ! -x "$tools/buf" || ! -x "$tools/protoc-gen-es" ]]; then
  (cd "$root/proto" && npm ci --include=optional --no-audit --no-fund)
fi
cd "$here"
PATH="$tools:$PATH" "$tools/buf" generate --template buf.gen.yaml
echo "generated typescript -> clients/typescript/src/gen"

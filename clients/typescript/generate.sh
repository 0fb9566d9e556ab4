#!/usr/bin/env bash
# Regenerates src/gen from proto/claude_pool/v1 (plus the vendored google.rpc and grpc.health
# protos) with buf and the protoc-gen-es pinned in package-lock.json. Run from anywhere.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
buf="$root/proto/node_modules/.bin/buf"
if [[ ! -x "$buf" ]]; then
  (cd "$root/proto" && npm ci --include=optional --no-audit --no-fund)
fi
cd "$here"
if [[ ! -x node_modules/.bin/protoc-gen-es ]]; then
  npm ci --no-audit --no-fund
fi
PATH="$here/node_modules/.bin:$PATH" "$buf" generate --template buf.gen.yaml
echo "generated typescript -> clients/typescript/src/gen"

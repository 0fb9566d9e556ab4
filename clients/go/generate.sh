#!/usr/bin/env bash
# Regenerates the Go code in gen/claude_pool/v1 from proto/claude_pool/v1 (committed; never edit it).
# Uses only pinned tools: buf from proto/node_modules and the two Go plugins installed into .tools/bin.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

PROTOC_GEN_GO_VERSION=v1.36.12
PROTOC_GEN_GO_GRPC_VERSION=v1.6.2

tools="$here/.tools/bin"
mkdir -p "$tools"
# `go version -m` reports the module version a binary was built from; reinstall only on a mismatch.
installed() { [ -x "$tools/$1" ] && go version -m "$tools/$1" | grep -q "mod.*$2"; }
installed protoc-gen-go "$PROTOC_GEN_GO_VERSION" ||
  GOBIN="$tools" go install "google.golang.org/protobuf/cmd/protoc-gen-go@$PROTOC_GEN_GO_VERSION"
installed protoc-gen-go-grpc "$PROTOC_GEN_GO_GRPC_VERSION" ||
  GOBIN="$tools" go install "google.golang.org/grpc/cmd/protoc-gen-go-grpc@$PROTOC_GEN_GO_GRPC_VERSION"

buf="$root/proto/node_modules/.bin/buf"
if [ ! -x "$buf" ]; then
  (cd "$root/proto" && npm ci --include=optional)
fi

cd "$here"
PATH="$tools:$PATH" "$buf" generate "$root/proto" --template "$here/buf.gen.yaml"
echo "generated go -> clients/go/gen/claude_pool/v1"

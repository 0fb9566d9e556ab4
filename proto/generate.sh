#!/usr/bin/env bash
# Regenerates every language's code from proto/claude_pool/v1. Generated files are committed and
# never edited; CI runs this and fails on a diff. Run from anywhere: `bash proto/generate.sh`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$here"

# Python: grpc_tools' protoc (pinned with grpcio) + mypy-protobuf stubs, into the client package.
py_out="$root/clients/python"
rm -rf "$py_out/claude_pool/v1"
python -m grpc_tools.protoc -I . \
  --python_out="$py_out" --mypy_out="$py_out" \
  --grpc_python_out="$py_out" --mypy_grpc_out="$py_out" \
  claude_pool/v1/*.proto
touch "$py_out/claude_pool/v1/__init__.py"
echo "generated python -> clients/python/claude_pool/v1"

# The other languages: each client folder owns its pinned generator.
for lang in typescript go java rust; do
  bash "$root/clients/$lang/generate.sh"
done

#!/usr/bin/env bash
# Regenerates the Java protobuf + gRPC code in src/generated/java from proto/claude_pool/v1.
# Tools are pinned in pom.xml (protoc.version, grpc.codegen.version) and fetched from Maven Central
# into target/codegen. Output is deterministic; the generated files are committed, never edited.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tools="$here/target/codegen"
out="$here/src/generated/java"

mvn -B -q -Dstyle.color=never -f "$here/pom.xml" dependency:copy@codegen-tools
chmod +x "$tools/protoc" "$tools/protoc-gen-grpc-java"
rm -rf "$tools/include"
mkdir -p "$tools/include"
(cd "$tools/include" && jar xf ../protobuf-java.jar google/protobuf) # the WKT .proto files only

rm -rf "$out"
mkdir -p "$out"
cd "$root/proto"
mapfile -t protos < <(LC_ALL=C ls claude_pool/v1/*.proto)
"$tools/protoc" -I . -I "$tools/include" \
  --plugin=protoc-gen-grpc-java="$tools/protoc-gen-grpc-java" \
  --java_out="$out" --grpc-java_out="$out" \
  "${protos[@]}"
echo "generated java -> clients/java/src/generated/java"

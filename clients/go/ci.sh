#!/usr/bin/env bash
# CI for the Go client, the one entry point CI runs, from the repository root:
#
#   python -m tests.support.live_server -- bash clients/go/ci.sh
#
# 1. modules: download (pinned by go.sum), verify, and check go.mod/go.sum are tidy;
# 2. gofmt and go vet;
# 3. go test: the offline tests and the conformance scenario against the live server;
# 4. release dry run: tools/modproxy publishes the module as v0.2.0 into a file-based module proxy,
#    with the module proxy's own checks;
# 5. the README, replayed as a new consumer in an empty temporary directory: its Install commands
#    (`go get ...@v0.2.0`, resolved through that proxy, no replace directive) and its Quickstart,
#    run against the live server, timed from the empty directory to the first streamed output.
#
# Needs only a Go >= 1.26 toolchain and git; modules come from the Go module proxy.
set -euo pipefail
if [ -n "${CI:-}" ] && [ -z "${CLAUDE_POOL_TEST_ADDR:-}" ]; then
  echo "CI: CLAUDE_POOL_TEST_ADDR is unset, so the conformance test would only skip;" \
    "run under: python -m tests.support.live_server -- bash $0" >&2
  exit 1
fi
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
module=github.com/claude-pool/claude-pool/clients/go
version=v0.2.0
step() { printf '\n== %s\n' "$*"; }
work="$(mktemp -d /tmp/claude-pool-go-ci.XXXXXX)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

go version

step "modules"
go mod download
go mod verify
go mod tidy -diff

step "gofmt and go vet"
unformatted="$(gofmt -l .)"
if [ -n "$unformatted" ]; then
  echo "not gofmt-formatted:" "$unformatted" >&2
  exit 1
fi
go vet ./...
(cd tools/modproxy && go mod verify && go mod tidy -diff && go vet ./...)

step "tests"
# A failing test fails the run at the end; the release and quickstart checks still run first.
tests=0
go test -count=1 -v -timeout 10m ./... || tests=$?
finish() {
  if [ "$tests" -ne 0 ]; then
    echo "go test failed (exit $tests): see above" >&2
    exit "$tests"
  fi
  exit 0
}

step "release dry run: $module@$version into a file-based module proxy"
grep -q "^const Version = \"${version#v}\"$" client.go || { echo "client.go: Version is not ${version#v}" >&2; exit 1; }
proxy="$work/proxy"
(cd tools/modproxy && go run . -dir "$here" -version "$version" -out "$proxy")

step "README replayed by a new consumer"
# The block after a heading, from README.md: $1 the heading, $2 the fence's language.
readme_block() { awk -v h="## $1" -v f="\`\`\`$2" '$0 == h {s = 1} s && $0 == f {p = 1; next} p && /^```$/ {exit} p' README.md; }
install="$(readme_block Install sh)"
quickstart="$(readme_block Quickstart go)"
grep -q "go get $module@$version" <<<"$install" || { echo "README: no 'go get $module@$version' under Install" >&2; exit 1; }
# A consumer as on a fresh machine: its own empty module cache. Our module comes from the file
# proxy only; the dependencies from this machine's module cache (a file proxy too), else the
# registry. GONOSUMDB: the checksum database cannot know an unpublished version.
machine_cache="$(go env GOMODCACHE)" registry="$(go env GOPROXY)"
export GOMODCACHE="$work/consumer-modcache" GOFLAGS=-modcacherw GONOSUMDB="$module"
export GOPROXY="file://$proxy,file://$machine_cache/cache/download,$registry"
mkdir "$work/consumer"
start=$(date +%s%N)
(cd "$work/consumer" && bash -euo pipefail -c "$install")
app="$work/consumer/my-app"
grep -q "$module $version" "$app/go.mod" || { echo "the consumer does not require $module $version" >&2; exit 1; }
if grep -q '^replace' "$app/go.mod"; then echo "the consumer has a replace directive" >&2; exit 1; fi
printf '%s\n' "$quickstart" >"$app/main.go"
if [ -z "${CLAUDE_POOL_TEST_ADDR:-}" ]; then
  (cd "$app" && go build -o /dev/null .)
  echo "quickstart built; not run (no live server: CLAUDE_POOL_TEST_ADDR is unset)"
  finish
fi
output="$work/quickstart.out"
(cd "$app" && CLAUDE_POOL_ADDR="$CLAUDE_POOL_TEST_ADDR" CLAUDE_POOL_TOKEN="$CLAUDE_POOL_TEST_TOKEN" \
  CLAUDE_POOL_CA="$CLAUDE_POOL_TEST_TLS_CA" CLAUDE_POOL_CERT="$CLAUDE_POOL_TEST_TLS_CERT" \
  CLAUDE_POOL_KEY="$CLAUDE_POOL_TEST_TLS_KEY" go run .) | {
  IFS= read -r -d '' -n 1 first || true
  elapsed=$((($(date +%s%N) - start) / 1000000))
  { printf '%s' "$first"; cat; } | tee "$output"
  echo "quickstart: first streamed output $elapsed ms after the empty directory"
}
grep -q 'FAKE-REPLY\[Write a haiku about connection pools' "$output" &&
  grep -q 'TASK_STATE_COMPLETED' "$output" ||
  { echo "quickstart: unexpected output" >&2; exit 1; }
echo "quickstart: ok"
finish

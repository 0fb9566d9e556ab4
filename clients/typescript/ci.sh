#!/usr/bin/env bash
# CI for the TypeScript client, the single entry point:
#   python -m tests.support.live_server -- bash clients/typescript/ci.sh   (from the repo root)
# 1. installs the pinned packages (package-lock.json) and type-checks/builds with tsc;
# 2. runs the unit tests and the conformance scenario (node --test; the scenario skips without
#    CLAUDE_POOL_TEST_ADDR, and under CI=true that is an error);
# 3. packs the package (`npm pack --dry-run`) and checks the tarball's contents;
# 4. replays the README: a consumer project in a temporary directory installs the packed tarball
#    and runs the README's quickstart against the live server, which must stream output.
# Needs Node >= 20 and npm.
set -euo pipefail
if [ -n "${CI:-}" ] && [ -z "${CLAUDE_POOL_TEST_ADDR:-}" ]; then
  echo "CI: CLAUDE_POOL_TEST_ADDR is unset, so the conformance test would only skip;" \
    "run under: python -m tests.support.live_server -- bash $0" >&2
  exit 1
fi
cd "$(dirname "$0")"
here="$(pwd)"
started=$(date +%s)
echo "node $(node --version), npm $(npm --version)"

echo "== install and build"
npm ci --no-audit --no-fund
cmp -s LICENSE ../../LICENSE || { echo "LICENSE differs from the repository's LICENSE: copy it" >&2; exit 1; }
rm -rf dist
npx --no-install tsc -p tsconfig.json

echo "== tests"
node --test dist/test/*.test.js

echo "== package (npm pack --dry-run)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
npm pack --dry-run --json --ignore-scripts >"$work/pack.json"
node -e '
  const [pack] = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const files = new Set(pack.files.map((f) => f.path));
  const needed = ["package.json", "README.md", "LICENSE", "dist/src/index.js", "dist/src/index.d.ts",
    "dist/src/client.js", "dist/src/gen/claude_pool/v1/pool_service_pb.js"];
  const missing = needed.filter((f) => !files.has(f));
  const stray = [...files].filter((f) => f.startsWith("dist/test/") || f.startsWith("test/") || f.includes("node_modules"));
  if (missing.length || stray.length) {
    console.error("package contents wrong; missing:", missing, "unexpected:", stray);
    process.exit(1);
  }
  console.log(`${pack.name}@${pack.version}: ${pack.entryCount} files, ${pack.size} bytes packed`);
' "$work/pack.json"

echo "== README quickstart as a consumer project"
if [ -z "${CLAUDE_POOL_TEST_ADDR:-}" ]; then
  echo "skipped: CLAUDE_POOL_TEST_ADDR is unset (needs the live-server harness)"
else
  npm pack --silent --ignore-scripts --pack-destination "$work" >/dev/null
  tarball="$(ls "$work"/claude-pool-client-*.tgz)"
  # The quickstart is the code block after the <!-- quickstart --> marker in README.md.
  awk '/<!-- quickstart -->/ {m=1; next} m && /^```/ {if (inside) exit; inside=1; next} inside' README.md \
    >"$work/quickstart.mjs"
  [ -s "$work/quickstart.mjs" ] || { echo "no quickstart block in README.md" >&2; exit 1; }
  (
    t0=$(date +%s%N)
    mkdir "$work/app" && cd "$work/app"
    # README: npm init -y && npm install @claude-pool/client (here: the packed tarball).
    npm init -y >/dev/null
    npm install --no-audit --no-fund "$tarball"
    cp "$work/quickstart.mjs" .
    export CLAUDE_POOL_ADDR="$CLAUDE_POOL_TEST_ADDR" CLAUDE_POOL_TOKEN="${CLAUDE_POOL_TEST_TOKEN:-}" \
      CLAUDE_POOL_CA="${CLAUDE_POOL_TEST_TLS_CA:-}" CLAUDE_POOL_CERT="${CLAUDE_POOL_TEST_TLS_CERT:-}" \
      CLAUDE_POOL_KEY="${CLAUDE_POOL_TEST_TLS_KEY:-}"
    node quickstart.mjs >out.txt 2>err.txt &
    pid=$!
    while [ ! -s out.txt ] && kill -0 "$pid" 2>/dev/null; do sleep 0.02; done
    t1=$(date +%s%N)
    wait "$pid" || { echo "quickstart failed:" >&2; cat out.txt err.txt >&2; exit 1; }
    cat out.txt
    grep -q "FAKE-REPLY\[" out.txt || { echo "quickstart printed no streamed reply" >&2; exit 1; }
    echo "README quickstart: empty directory to first streamed output in $(((t1 - t0) / 1000000)) ms"
    # The same file must type-check for TypeScript consumers against the shipped .d.ts files.
    cp quickstart.mjs quickstart.mts
    "$here/node_modules/.bin/tsc" --noEmit --strict --target es2022 --module nodenext \
      --moduleResolution nodenext --types node --typeRoots "$here/node_modules/@types" quickstart.mts
    # CommonJS callers load the ESM-only package with require() (Node >= 20.19).
    node -e 'const { PoolClient } = require("@claude-pool/client"); if (typeof PoolClient !== "function") process.exit(1)'
    echo "quickstart type-checks as TypeScript; require() works"
  )
fi
echo "ci.sh done in $(($(date +%s) - started)) s"

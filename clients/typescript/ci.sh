#!/usr/bin/env bash
# CI for the TypeScript client: install pinned packages from package-lock.json, type-check and
# build, then run the conformance test (node's built-in test runner). Needs Node >= 20 and npm.
# Against a live server: python -m tests.support.live_server -- bash clients/typescript/ci.sh
# Without CLAUDE_POOL_TEST_ADDR the conformance steps are skipped.
set -euo pipefail
if [ -n "${CI:-}" ] && [ -z "${CLAUDE_POOL_TEST_ADDR:-}" ]; then
  echo "CI: CLAUDE_POOL_TEST_ADDR is unset, so the conformance test would only skip;" \
    "run under: python -m tests.support.live_server -- bash $0" >&2
  exit 1
fi
cd "$(dirname "$0")"
echo "node $(node --version), npm $(npm --version)"
npm ci --no-audit --no-fund
rm -rf dist
npx --no-install tsc -p tsconfig.json
node --test dist/test/*.test.js

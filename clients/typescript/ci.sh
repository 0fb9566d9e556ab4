#!/usr/bin/env bash
# CI for the TypeScript client: install pinned packages from package-lock.json, type-check and
# build, then run the conformance test (node's built-in test runner). Needs Node >= 20 and npm.
# Against a live server: python -m tests.support.live_server -- bash clients/typescript/ci.sh
# Without CLAUDE_POOL_TEST_ADDR the conformance steps are skipped.
set -euo pipefail
cd "$(dirname "$0")"
echo "node $(node --version), npm $(npm --version)"
npm ci --no-audit --no-fund
rm -rf dist
npx --no-install tsc -p tsconfig.json
node --test dist/test/*.test.js

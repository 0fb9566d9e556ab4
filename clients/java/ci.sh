#!/usr/bin/env bash
# Builds the Java client and runs the conformance test (clients/CONFORMANCE.md).
# CI runs it under the live-server harness from the repository root:
#   python -m tests.support.live_server -- bash clients/java/ci.sh
# Without CLAUDE_POOL_TEST_ADDR the test is skipped. Needs a JDK 17+ and Maven; everything else
# comes from Maven Central. The generated code is committed (see generate.sh), so no protoc here.
set -euo pipefail
if [ -n "${CI:-}" ] && [ -z "${CLAUDE_POOL_TEST_ADDR:-}" ]; then
  echo "CI: CLAUDE_POOL_TEST_ADDR is unset, so the conformance test would only skip;" \
    "run under: python -m tests.support.live_server -- bash $0" >&2
  exit 1
fi
here="$(cd "$(dirname "$0")" && pwd)"
exec mvn -B -ntp -Dstyle.color=never -f "$here/pom.xml" test

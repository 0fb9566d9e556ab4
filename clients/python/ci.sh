#!/usr/bin/env bash
# CI for the Python client, the one entry point CI runs, from the repository root with the
# repository's virtualenv active (`source .venv/bin/activate`: ruff, mypy, pytest and the server):
#
#   python -m tests.support.live_server -- bash clients/python/ci.sh
#
# 1. lint and types: ruff, mypy --strict, the generated SyncPoolClient up to date, LICENSE;
# 2. tests: the client's unit tests, its resend tests, and the conformance scenario
#    (tests/e2e/test_conformance.py) against the live server;
# 3. package: the sdist and the wheel built from it (`python -m build`, pinned in
#    ci-requirements.txt) in a temporary copy, `twine check --strict`, their contents, and an
#    editable install in a fresh virtualenv;
# 4. the README, replayed as a new consumer in an empty temporary directory: its Install block
#    (pip finds our wheel through PIP_FIND_LINKS, the dependencies on PyPI; no server package),
#    its Quickstart run against the live server and type-checked with mypy --strict against the
#    installed wheel, timed from the empty directory to the first streamed output.
set -euo pipefail
if [ -n "${CI:-}" ] && [ -z "${CLAUDE_POOL_TEST_ADDR:-}" ]; then
  echo "CI: CLAUDE_POOL_TEST_ADDR is unset, so the conformance test would not run against the harness;" \
    "run under: python -m tests.support.live_server -- bash $0" >&2
  exit 1
fi
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
started=$(date +%s)
step() { printf '\n== %s\n' "$*"; }
export PIP_DISABLE_PIP_VERSION_CHECK=1
work="$(mktemp -d /tmp/claude-pool-python-ci.XXXXXX)"
trap 'rm -rf "$work"' EXIT
python --version

step "lint and types"
cd "$here"
version="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' claude_pool/__init__.py)"
[ "$version" = "0.2.0" ] || { echo "claude_pool.__version__ is '$version', not 0.2.0" >&2; exit 1; }
cmp -s LICENSE "$root/LICENSE" || { echo "LICENSE differs from the repository's LICENSE: copy it" >&2; exit 1; }
python tools/generate_sync.py --check
cd "$root"
client_tests=(tests/unit/test_public_surface.py tests/unit/test_python_client_*.py
  tests/integration/test_client_retries.py tests/e2e/test_conformance.py)
ruff check clients/python "${client_tests[@]}"
ruff format --check clients/python "${client_tests[@]}"
mypy clients/python/claude_pool

step "tests"
# A failing test fails the run at the end; the package and README checks still run first.
tests=0
python -m pytest -q -p no:cacheprovider -ra "${client_tests[@]}" || tests=$?
finish() {
  echo "ci.sh done in $(($(date +%s) - started)) s"
  if [ "$tests" -ne 0 ]; then
    echo "pytest failed (exit $tests): see above" >&2
    exit "$tests"
  fi
  exit 0
}

step "package: sdist and wheel (python -m build), twine check"
python -m venv "$work/tools"
"$work/tools/bin/pip" install --quiet --require-virtualenv -r "$here/ci-requirements.txt"
mkdir "$work/src"
# A clean copy: nothing of a developer's build, cache or egg-info goes into the sdist.
tar -C "$here" --exclude=__pycache__ --exclude='*.egg-info' --exclude=build --exclude=dist \
  -cf - . | tar -C "$work/src" -xf -
# The default builds the sdist, then the wheel from the unpacked sdist: the sdist is complete.
"$work/tools/bin/python" -m build --outdir "$work/dist" "$work/src" >"$work/build.log" 2>&1 ||
  { cat "$work/build.log" >&2; exit 1; }
wheel="$work/dist/claude_pool_client-$version-py3-none-any.whl"
sdist="$work/dist/claude_pool_client-$version.tar.gz"
ls -l "$work/dist"
"$work/tools/bin/twine" check --strict "$work/dist"/*
"$work/tools/bin/python" - "$wheel" "$sdist" <<'EOF'
import re, sys, tarfile, zipfile
wheel, sdist = sys.argv[1], sys.argv[2]
files = set(zipfile.ZipFile(wheel).namelist())
need = {"claude_pool/__init__.py", "claude_pool/py.typed", "claude_pool/client.py",
        "claude_pool/sync.py", "claude_pool/v1/pool_service_pb2.py",
        "claude_pool/v1/pool_service_pb2.pyi", "claude_pool/v1/pool_service_pb2_grpc.py",
        "claude_pool_client-0.2.0.dist-info/licenses/LICENSE"}
stray = [f for f in files if not f.startswith(("claude_pool/", "claude_pool_client-"))]
if need - files or stray:
    sys.exit(f"wheel contents wrong; missing {sorted(need - files)}, unexpected {stray}")
meta = zipfile.ZipFile(wheel).read("claude_pool_client-0.2.0.dist-info/METADATA").decode()
for line in ("Name: claude-pool-client", "Version: 0.2.0", "License-Expression: MIT"):
    if line not in meta.splitlines():
        sys.exit(f"wheel METADATA lacks '{line}'")
requires = sorted(re.match(r"[\w.-]+", l.split(":", 1)[1].strip())[0]
                  for l in meta.splitlines() if l.startswith("Requires-Dist:"))
if requires != ["googleapis-common-protos", "grpcio", "protobuf"]:
    sys.exit(f"unexpected dependencies: {requires}")
names = tarfile.open(sdist).getnames()
prefix = "claude_pool_client-0.2.0/"
for f in ("README.md", "LICENSE", "pyproject.toml", "claude_pool/v1/task_pb2.pyi"):
    if prefix + f not in names:
        sys.exit(f"sdist lacks {f}")
print(f"wheel: {len(files)} files; sdist: {len(names)} entries; requires {requires}")
EOF

step "editable install (pip install -e) in a fresh virtualenv"
python -m venv "$work/editable"
"$work/editable/bin/pip" install --quiet -e "$work/src"
"$work/editable/bin/python" -c '
import claude_pool, sys
assert claude_pool.__file__.startswith(sys.argv[1]), claude_pool.__file__
print("editable:", claude_pool.__file__)' "$work/src"

step "README replayed by a new consumer"
# The block after a heading in README.md: $1 the heading, $2 the fence's language.
readme_block() { awk -v h="## $1" -v f="\`\`\`$2" '$0 == h {s = 1} s && $0 == f {p = 1; next} p && /^```$/ {exit} p' "$here/README.md"; }
install="$(readme_block Install sh)"
quickstart="$(readme_block Quickstart python)"
grep -q "pip install claude-pool-client==$version" <<<"$install" ||
  { echo "README: no 'pip install claude-pool-client==$version' under Install" >&2; exit 1; }
[ -n "$quickstart" ] || { echo "README: no python block under Quickstart" >&2; exit 1; }
mkdir "$work/consumer"
# The consumer sees the repository's virtualenv nowhere: a plain shell, our wheel via find-links.
consumer_env=(env -u VIRTUAL_ENV PATH="$(dirname "$(readlink -f "$(command -v python3)")"):/usr/bin:/bin"
  PIP_FIND_LINKS="$work/dist" PIP_DISABLE_PIP_VERSION_CHECK=1)
t0=$(date +%s%N)
(cd "$work/consumer" && "${consumer_env[@]}" bash -euo pipefail -c "$install")
app="$work/consumer/my-app"
printf '%s\n' "$quickstart" >"$app/quickstart.py"
(cd "$app" && .venv/bin/python - "$here") <<'EOF'
import filecmp, importlib.metadata as md, importlib.util, pathlib, sys
import claude_pool
installed = pathlib.Path(claude_pool.__file__).parent
assert "site-packages" in str(installed), installed
assert filecmp.cmp(installed / "client.py", pathlib.Path(sys.argv[1]) / "claude_pool" / "client.py", shallow=False), "not our wheel"
assert md.version("claude-pool-client") == claude_pool.__version__ == "0.2.0"
for server_package in ("claude_pool_server", "grpc_health", "claude_agent_sdk", "sqlalchemy"):
    assert importlib.util.find_spec(server_package) is None, f"{server_package} is installed"
from claude_pool import PoolClient, SyncPoolClient  # noqa: F401
print("installed:", installed, "with", sorted(d.metadata["Name"] for d in md.distributions()))
EOF
# From the consumer's directory, without the repository's mypy settings: claude_pool must come
# from the installed wheel. silent: errors inside installed packages (no grpc stubs there) are theirs.
printf "[mypy]\n" >"$work/mypy.ini"
(cd "$app" && mypy --config-file "$work/mypy.ini" --strict --no-incremental --follow-imports=silent \
  --python-executable .venv/bin/python quickstart.py)
if [ -z "${CLAUDE_POOL_TEST_ADDR:-}" ]; then
  echo "quickstart type-checked; not run (no live server: CLAUDE_POOL_TEST_ADDR is unset)"
  finish
fi
(
  cd "$app"
  "${consumer_env[@]}" CLAUDE_POOL_ADDR="$CLAUDE_POOL_TEST_ADDR" \
    CLAUDE_POOL_TOKEN="${CLAUDE_POOL_TEST_TOKEN:-}" CLAUDE_POOL_CA="${CLAUDE_POOL_TEST_TLS_CA:-}" \
    CLAUDE_POOL_CERT="${CLAUDE_POOL_TEST_TLS_CERT:-}" CLAUDE_POOL_KEY="${CLAUDE_POOL_TEST_TLS_KEY:-}" \
    .venv/bin/python quickstart.py >out.txt 2>err.txt &
  pid=$!
  while [ ! -s out.txt ] && kill -0 "$pid" 2>/dev/null; do sleep 0.02; done
  t1=$(date +%s%N)
  wait "$pid" || { echo "quickstart failed:" >&2; cat out.txt err.txt >&2; exit 1; }
  cat out.txt
  grep -q 'FAKE-REPLY\[Write a haiku about connection pools' out.txt && grep -q 'TASK_STATE_COMPLETED' out.txt ||
    { echo "quickstart: unexpected output" >&2; cat err.txt >&2; exit 1; }
  echo "README quickstart: empty directory to first streamed output in $(((t1 - t0) / 1000000)) ms"
)
finish

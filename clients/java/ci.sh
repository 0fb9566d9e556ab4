#!/usr/bin/env bash
# CI for the Java client, the one entry point CI runs, from the repository root:
#
#   python -m tests.support.live_server -- bash clients/java/ci.sh
#
# 1. mvn install: compile, the offline unit tests and the conformance scenario (ConformanceTest,
#    CONFORMANCE.md §3 steps 1-14, live server over mTLS), then the release dry run (`verify`:
#    jar, -sources.jar, -javadoc.jar with doclint failing on any warning in the wrapper), then
#    the install into this machine's local Maven repository, as the README's Install says;
# 2. package checks: the three jars, what they hold, the POM metadata Maven Central requires;
# 3. the README's Quickstart replayed as a new consumer in an empty temporary directory, with
#    its own empty local repository: its pom.xml and Quickstart.java as written, resolving
#    dev.claudepool:claude-pool-client:0.2.0 from a repository (this machine's local repository
#    read as a file repository, then Maven Central), compiled and run with the README's command
#    against the live server, timed from the empty directory to the first streamed output;
# 4. a failing test fails the run, after the checks above have run too.
#
# Needs a JDK 17+ and Maven 3.8+; everything else comes from Maven Central, pinned in pom.xml.
# The generated code is committed (see generate.sh), so no protoc here.
set -euo pipefail
if [ -n "${CI:-}" ] && [ -z "${CLAUDE_POOL_TEST_ADDR:-}" ]; then
  echo "CI: CLAUDE_POOL_TEST_ADDR is unset, so the conformance test would only skip;" \
    "run under: python -m tests.support.live_server -- bash $0" >&2
  exit 1
fi
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
group=dev.claudepool artifact=claude-pool-client version=0.2.0
machine_repo="$HOME/.m2/repository"
step() { printf '\n== %s\n' "$*"; }
work="$(mktemp -d /tmp/claude-pool-java-ci.XXXXXX)"
trap 'rm -rf "$work"' EXIT
run_start=$(date +%s)

java -version 2>&1 | sed -n 1p
mvn -B -version | sed -n 1p

step "mvn install: tests, release dry run (verify), install"
# Test failures are counted at the end, so the package and README checks run on every change.
mvn -B -ntp -Dstyle.color=never -Dmaven.repo.local="$machine_repo" \
  -Dmaven.test.failure.ignore=true install

step "package checks"
fail() { echo "package check: $*" >&2; exit 1; }
jar="target/$artifact-$version.jar"
for f in "$jar" "target/$artifact-$version-sources.jar" "target/$artifact-$version-javadoc.jar"; do
  [ -s "$f" ] || fail "$f is missing"
  echo "ok $f ($(stat -c %s "$f") bytes)"
done
# has JAR ENTRY: the jar holds that entry (the listing is read whole: no SIGPIPE under pipefail).
has() { unzip -Z1 "$1" >"$work/entries" && grep -qx "$2" "$work/entries"; }
has "$jar" META-INF/LICENSE || fail "the jar has no META-INF/LICENSE"
has "$jar" dev/claudepool/client/PoolClient.class || fail "the jar has no PoolClient"
has "target/$artifact-$version-sources.jar" dev/claudepool/v1/Task.java ||
  fail "the sources jar lacks the generated code"
has "target/$artifact-$version-javadoc.jar" dev/claudepool/client/PoolClient.html ||
  fail "the javadoc jar lacks PoolClient"
for tag in name description url licenses developers scm; do
  grep -q "<$tag>" pom.xml || fail "pom.xml has no <$tag> (Maven Central requires it)"
done
grep -q '<name>MIT License</name>' pom.xml || fail "pom.xml does not name the MIT licence"
grep -q "^  <version>$version</version>$" pom.xml || fail "pom.xml is not version $version"
installed="$machine_repo/${group//.//}/$artifact/$version"
[ -s "$installed/$artifact-$version.pom" ] && [ -s "$installed/$artifact-$version.jar" ] ||
  fail "mvn install did not install $group:$artifact:$version"
echo "ok POM metadata; installed in $installed (GPG signing is out of scope)"

step "README replayed by a new consumer"
# The block after a heading, from README.md: $1 the heading, $2 the fence's language.
readme_block() {
  awk -v h="## $1" -v f="\`\`\`$2" '$0 == h {s = 1; next} s && /^## / {exit}
    s && $0 == f {p = 1; next} p && /^```$/ {exit} p' README.md
}
install="$(readme_block Install sh)"
dependency="$(readme_block Install xml)"
pom="$(readme_block Quickstart xml)"
code="$(readme_block Quickstart java)"
command="$(readme_block Quickstart sh | grep '^mvn ')"
grep -q 'mvn .*install' <<<"$install" || fail "README: no 'mvn ... install' under Install"
for snippet in "$dependency" "$pom"; do
  grep -q "<groupId>$group</groupId>" <<<"$snippet" &&
    grep -q "<artifactId>$artifact</artifactId>" <<<"$snippet" &&
    grep -q "<version>$version</version>" <<<"$snippet" ||
    fail "README: a dependency block does not name $group:$artifact:$version"
done
[ -n "$code" ] && [ -n "$command" ] || fail "README: Quickstart lacks its java code or mvn command"
# As on a fresh machine: the consumer's own empty local repository. Artifacts come from this
# machine's local repository read as a remote one (where `mvn install` put the client), else from
# Maven Central. .mvn/maven.config is how a project passes options to `mvn`: the README's command
# runs unchanged.
cat >"$work/settings.xml" <<EOF
<settings>
  <localRepository>$work/consumer-repo</localRepository>
  <profiles>
    <profile>
      <id>machine-repository</id>
      <repositories>
        <repository>
          <id>machine-repository</id>
          <url>file://$machine_repo</url>
          <releases><checksumPolicy>ignore</checksumPolicy></releases>
          <snapshots><enabled>false</enabled></snapshots>
        </repository>
      </repositories>
      <pluginRepositories>
        <pluginRepository>
          <id>machine-repository</id>
          <url>file://$machine_repo</url>
          <releases><checksumPolicy>ignore</checksumPolicy></releases>
          <snapshots><enabled>false</enabled></snapshots>
        </pluginRepository>
      </pluginRepositories>
    </profile>
  </profiles>
  <activeProfiles><activeProfile>machine-repository</activeProfile></activeProfiles>
</settings>
EOF
app="$work/consumer"
start=$(date +%s%N)
mkdir -p "$app/src/main/java" "$app/.mvn"
printf '%s\n' "$pom" >"$app/pom.xml"
printf '%s\n' "$code" >"$app/src/main/java/Quickstart.java"
printf -- '-s\n%s\n-ntp\n' "$work/settings.xml" >"$app/.mvn/maven.config"
if [ -z "${CLAUDE_POOL_TEST_ADDR:-}" ]; then
  (cd "$app" && mvn -B -q compile)
  echo "quickstart compiled; not run (no live server: CLAUDE_POOL_TEST_ADDR is unset)"
else
  output="$work/quickstart.out"
  (cd "$app" && CLAUDE_POOL_ADDR="$CLAUDE_POOL_TEST_ADDR" CLAUDE_POOL_TOKEN="$CLAUDE_POOL_TEST_TOKEN" \
    CLAUDE_POOL_CA="$CLAUDE_POOL_TEST_TLS_CA" CLAUDE_POOL_CERT="$CLAUDE_POOL_TEST_TLS_CERT" \
    CLAUDE_POOL_KEY="$CLAUDE_POOL_TEST_TLS_KEY" bash -euo pipefail -c "$command") | {
    # The first visible byte: Maven writes ANSI resets (ESC [ 0 m) before any program output.
    first=''
    while IFS= read -r -d '' -n 1 first; do
      [ "$first" = $'\e' ] || break
      IFS= read -r -d m _ || true
      first=''
    done
    elapsed=$((($(date +%s%N) - start) / 1000000))
    { printf '%s' "$first"; cat; } | tee "$output"
    echo "quickstart: first streamed output $elapsed ms after the empty directory"
  }
  grep -q 'FAKE-REPLY\[Write a haiku about connection pools' "$output" &&
    grep -q 'TASK_STATE_COMPLETED' "$output" ||
    { echo "quickstart: unexpected output" >&2; exit 1; }
  [ -s "$work/consumer-repo/${group//.//}/$artifact/$version/$artifact-$version.jar" ] ||
    { echo "quickstart: the client did not come into the consumer's repository" >&2; exit 1; }
  echo "quickstart: ok"
fi

step "test results"
failed="$(grep -lE '<testsuite [^>]*(failures|errors)="[1-9]' target/surefire-reports/TEST-*.xml || true)"
if [ -n "$failed" ]; then
  echo "test failures in: $failed (see the mvn output above)" >&2
  exit 1
fi
echo "all tests passed; ci.sh took $(($(date +%s) - run_start)) s"

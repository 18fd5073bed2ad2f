#!/usr/bin/env bash
# Checks localstack/init/ready.d/10-sluice.sh without Docker: runs it twice against an emulator (the second run must
# change nothing) and compares what it created with what Sluice's own code creates and reads (check/CheckInit.java:
# tables against SluiceTables.createAll on the same engine, the demo route and keys through the repositories, the
# stream, the secrets).
#
#   localstack/check-init.sh                         # starts moto's server on a free 127.0.0.1 port for the run
#   localstack/check-init.sh http://localhost:4566   # an emulator that is already running (LocalStack, Floci)
#
# Needs the AWS CLI, a JDK 21 or newer, and without an endpoint moto's server (`pip install 'moto[server]'`).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# shellcheck source=scripts/select-jdk.sh
. "$root/scripts/select-jdk.sh"

command -v aws >/dev/null || { echo "check-init: the AWS CLI (aws) is needed" >&2; exit 2; }

endpoint=${1:-}
work=$(mktemp -d)
moto_pid=""
cleanup() {
  if [ -n "$moto_pid" ]; then
    kill "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "$endpoint" ]; then
  command -v moto_server >/dev/null || {
    echo "check-init: give an emulator endpoint, or install moto's server (pip install 'moto[server]')" >&2
    exit 2
  }
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
  moto_pid=$!
  endpoint="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do
    curl -sf -o /dev/null "$endpoint/moto-api/" && break
    kill -0 "$moto_pid" 2>/dev/null || { cat "$work/moto.log" >&2; exit 1; }
    sleep 0.2
  done
  echo "check-init: moto server on $endpoint"
fi

echo "check-init: init script, first run"
AWS_ENDPOINT_URL="$endpoint" sh "$here/init/ready.d/10-sluice.sh" | tee "$work/first.log"
echo "check-init: init script, second run"
AWS_ENDPOINT_URL="$endpoint" sh "$here/init/ready.d/10-sluice.sh" >"$work/second.log"
if grep -E ' created( |$)' "$work/second.log"; then
  echo "check-init: FAIL the second run created something again (not idempotent)" >&2
  exit 1
fi
echo "check-init: second run created nothing new"

echo "check-init: building shared and its runtime classpath"
(cd "$root" && ./mvnw -q -pl shared -am -DskipTests package dependency:build-classpath \
  -DincludeScope=runtime -Dmdep.outputFile="$work/classpath.txt")
# JSON rather than the SDK's default CBOR for Kinesis: moto's server speaks only JSON (LocalStack and Floci both).
java -Daws.cborEnabled=false -Dslf4j.internal.verbosity=ERROR \
  -cp "$root/shared/target/classes:$(cat "$work/classpath.txt")" "$here/check/CheckInit.java" "$endpoint"

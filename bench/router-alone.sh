#!/usr/bin/env bash
# The router's memory in a process of its own under concurrent streams (default 128 clients for 20 s, -Xmx128m):
# builds the router's shaded jar and the bench module, then runs RouterAloneBenchmark. Markdown to stdout:
#   bench/router-alone.sh > router-alone.md          bench/router-alone.sh --clients 64 --seconds 10 --heap 96m
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/scripts/select-jdk.sh"
cd "$root"
# shellcheck disable=SC2086 # word splitting of the optional flags is intended
./mvnw -q -B -ntp -DskipTests ${BENCH_MAVEN_ARGS:-} -pl functions/router -am package >&2
BENCH_CLASS=dev.sluice.bench.RouterAloneBenchmark exec "$root/bench/run.sh" "$@"

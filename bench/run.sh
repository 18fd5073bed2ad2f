#!/usr/bin/env bash
# Builds the bench module (and what it depends on), then runs the streaming benchmark. Arguments pass through:
#   bench/run.sh                 the full run (a few minutes)
#   bench/run.sh --quick         a smoke run
#   bench/run.sh --help          the options
# The Markdown report goes to stdout, progress and logs to stderr:  bench/run.sh > results.md
# BENCH_JAVA_OPTS adds JVM flags (e.g. -Xmx256m, or -XX:StartFlightRecording=...); BENCH_MAVEN_ARGS adds Maven
# flags (e.g. -o to build offline). BENCH_CLASS runs another benchmark of the module (bench/routing.sh does).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/scripts/select-jdk.sh"
cd "$root"
# shellcheck disable=SC2086 # word splitting of the optional flags is intended
./mvnw -q -B -ntp -DskipTests ${BENCH_MAVEN_ARGS:-} -pl bench -am package >&2
classpath="$root/bench/target/classes:$(cat "$root/bench/target/runtime-classpath.txt")"
# shellcheck disable=SC2086
exec java ${BENCH_JAVA_OPTS:-} --enable-native-access=ALL-UNNAMED -cp "$classpath" \
  "${BENCH_CLASS:-dev.sluice.bench.StreamingBenchmark}" "$@"

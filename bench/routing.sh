#!/usr/bin/env bash
# The routing benchmark: the cost of each routing strategy per request and the failover delay around a dead, failing
# or silent deployment, in under a minute. The Markdown report goes to stdout:  bench/routing.sh > routing.md
# BENCH_JAVA_OPTS and BENCH_MAVEN_ARGS work as for bench/run.sh.
set -euo pipefail
BENCH_CLASS=dev.sluice.bench.RoutingBenchmark exec "$(cd "$(dirname "$0")" && pwd)/run.sh" "$@"

#!/usr/bin/env bash
# The response cache benchmark: what a cache lookup adds to a streamed request (miss vs bypass) and what a hit saves,
# on the dev stack, in about a minute. The Markdown report goes to stdout:  bench/cache.sh > cache.md
# bench/cache.sh --quick for a smoke run, --help for the options. BENCH_JAVA_OPTS and BENCH_MAVEN_ARGS work as for
# bench/run.sh.
set -euo pipefail
BENCH_CLASS=dev.sluice.bench.CacheBenchmark exec "$(cd "$(dirname "$0")" && pwd)/run.sh" "$@"

#!/usr/bin/env bash
# What each provider adapter's stream relay costs per 50-chunk stream (process CPU over reading the same bytes),
# for the OpenAI-compatible pass-through, Anthropic and Gemini. Markdown to stdout: bench/relay.sh > relay.md
# (--quick for a smoke run). Under a minute on 2 cores.
set -euo pipefail
BENCH_CLASS=dev.sluice.bench.RelayBenchmark exec "$(cd "$(dirname "$0")" && pwd)/run.sh" "$@"

#!/bin/bash
# Lambda entry point under the AWS Lambda Web Adapter (handler: run.sh, AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap).
# The deployment zip (target/sluice-router-lambda.zip) holds this script, mode 755, and lib/ with the shaded router
# jar and its class-data archive; Lambda unpacks it into LAMBDA_TASK_ROOT. The adapter starts this script, waits for
# GET /healthz on AWS_LWA_PORT, then forwards each invocation to the router over loopback HTTP and, with
# AWS_LWA_INVOKE_MODE=response_stream, streams the response back. Under SnapStart it also POSTs
# AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH / AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH (the router's priming and
# restore hooks). JAVA_TOOL_OPTIONS from the function configuration still applies; the flags here favour a fast
# start on small instances (tiered compilation stops at C1, which is what short-lived Lambda instances benefit from).
export PORT="${AWS_LWA_PORT:-8080}"
# lib/router.jsa holds the classes the router loads to serve its first requests, already parsed and verified (made
# at package time, see the router README, "Start"): the first request comes about twice as fast. Only the JVM build
# that made it can map it; any other rejects it together with the JDK's own archive and starts slower than with
# none. So it is passed only when this JDK's release identity is the one recorded beside it. SLUICE_CDS=off leaves
# it out.
archive="${LAMBDA_TASK_ROOT}/lib/router.jsa"
class_data=()
if [ "${SLUICE_CDS:-on}" != off ] && [ -f "$archive" ] && [ -f "$archive.jdk" ]; then
  java_home="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
  identity="$(grep -E '^(IMPLEMENTOR|JAVA_RUNTIME_VERSION)=' "$java_home/release" 2>/dev/null || true)"
  if [ -n "$identity" ] && [ "$identity" = "$(cat "$archive.jdk")" ]; then
    class_data=("-XX:SharedArchiveFile=$archive")
  fi
fi
# run.sh replaces the managed runtime's launcher, which would size the heap from the function's memory: without
# MaxRAMPercentage the JVM would take 25% of it. SLUICE_JVM_OPTS replaces the tuning flags (e.g. full tiered
# compilation for instances that serve long streams for hours).
# shellcheck disable=SC2086 # the options are meant to split into words
exec java ${SLUICE_JVM_OPTS:--XX:+TieredCompilation -XX:TieredStopAtLevel=1 -XX:+UseSerialGC} "${class_data[@]}" \
  -XX:MaxRAMPercentage=75 -cp "${LAMBDA_TASK_ROOT}/lib/*" dev.sluice.router.RouterMain

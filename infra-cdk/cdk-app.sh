#!/usr/bin/env bash
# The CDK app command (cdk.json "app"): compiles and runs dev.sluice.infra.SluiceApp on a JDK 21+ through the
# repository's Maven wrapper. The CDK CLI passes CDK_OUTDIR and CDK_CONTEXT_JSON; the app reads nothing else.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/../scripts/select-jdk.sh"
# jsii (the CDK's bridge to its JavaScript core) warns on Node 20; it works, and the warning is noise.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="${JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION:-20}"
exec "$here/../mvnw" -q -B -ntp -f "$here/pom.xml" compile exec:java

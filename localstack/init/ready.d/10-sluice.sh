#!/bin/sh
# Creates what Sluice expects on LocalStack or Floci: the five DynamoDB tables (exactly as SluiceTables.java creates
# them), the usage stream, one Secrets Manager secret per provider, a `demo` route and two demo keys. Idempotent.
#
# Runs as a ready hook inside the emulator (LocalStack: awslocal; Floci's -compat image: aws, preconfigured), or from a
# host shell with the AWS CLI against any endpoint:
#   AWS_ENDPOINT_URL=http://localhost:4566 sh localstack/init/ready.d/10-sluice.sh
# It never talks to AWS itself: without AWS_ENDPOINT_URL it uses http://localhost:4566.
#
# Names follow the router's variables (TableNames.java, RouterConfig.java): SLUICE_TABLE_PREFIX (sluice-), or
# SLUICE_KEYS_TABLE, SLUICE_ROUTES_TABLE, SLUICE_COUNTERS_TABLE, SLUICE_USAGE_TABLE, SLUICE_TENANTS_TABLE, SLUICE_CACHE_TABLE one by one; SLUICE_USAGE_STREAM
# (sluice-usage); SLUICE_SECRET_PREFIX (sluice/local/) for the secrets, filled from OPENAI_API_KEY etc. when set.
set -eu

export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-${AWS_REGION:-us-east-1}}"
export AWS_PAGER=""

prefix="${SLUICE_TABLE_PREFIX:-sluice-}"
keys_table="${SLUICE_KEYS_TABLE:-${prefix}keys}"
routes_table="${SLUICE_ROUTES_TABLE:-${prefix}routes}"
counters_table="${SLUICE_COUNTERS_TABLE:-${prefix}rate-counters}"
cache_table="${SLUICE_CACHE_TABLE:-${prefix}response-cache}"
usage_table="${SLUICE_USAGE_TABLE:-${prefix}usage}"
tenants_table="${SLUICE_TENANTS_TABLE:-${prefix}tenants}"
usage_stream="${SLUICE_USAGE_STREAM:-sluice-usage}"
secret_prefix="${SLUICE_SECRET_PREFIX:-sluice/local/}"

# Fixed keys for the emulator only: they are public (they are in this file), so they must never exist in AWS.
demo_key="sk-sluice-local-demo-0000000000000000"
limited_key="sk-sluice-local-limited-0000000000000000"
limited_rpm=3

if command -v awslocal >/dev/null 2>&1; then
  cli() { awslocal "$@"; }
  target="awslocal"
else
  endpoint="${AWS_ENDPOINT_URL:-http://localhost:4566}"
  cli() { aws --endpoint-url "$endpoint" "$@"; }
  target="$endpoint"
fi

say() { printf 'sluice-init: %s\n' "$*"; }

sha256_hex() {
  if command -v sha256sum >/dev/null 2>&1; then
    printf '%s' "$1" | sha256sum | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then
    printf '%s' "$1" | shasum -a 256 | cut -d' ' -f1
  elif command -v openssl >/dev/null 2>&1; then
    printf '%s' "$1" | openssl dgst -sha256 -r | cut -d' ' -f1
  else
    printf '%s' "$1" | python3 -c 'import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())'
  fi
}

# create_table NAME HASH_KEY [RANGE_KEY]: string keys, on-demand billing, as SluiceTables.create does.
create_table() {
  if cli dynamodb describe-table --table-name "$1" >/dev/null 2>&1; then
    say "table $1 exists"
    return
  fi
  if [ $# -eq 3 ]; then
    cli dynamodb create-table --table-name "$1" --billing-mode PAY_PER_REQUEST \
      --attribute-definitions AttributeName="$2",AttributeType=S AttributeName="$3",AttributeType=S \
      --key-schema AttributeName="$2",KeyType=HASH AttributeName="$3",KeyType=RANGE >/dev/null
  else
    cli dynamodb create-table --table-name "$1" --billing-mode PAY_PER_REQUEST \
      --attribute-definitions AttributeName="$2",AttributeType=S \
      --key-schema AttributeName="$2",KeyType=HASH >/dev/null
  fi
  cli dynamodb wait table-exists --table-name "$1"
  say "table $1 created"
}

# The keys table with its two management indexes (a tenant's keys; a key by its id), as SluiceTables creates it.
if cli dynamodb describe-table --table-name "$keys_table" >/dev/null 2>&1; then
  say "table $keys_table exists"
else
  cli dynamodb create-table --table-name "$keys_table" --billing-mode PAY_PER_REQUEST \
    --attribute-definitions AttributeName=keyHash,AttributeType=S AttributeName=tenantId,AttributeType=S \
      AttributeName=keyId,AttributeType=S \
    --key-schema AttributeName=keyHash,KeyType=HASH \
    --global-secondary-indexes \
      'IndexName=byTenant,KeySchema=[{AttributeName=tenantId,KeyType=HASH},{AttributeName=keyId,KeyType=RANGE}],Projection={ProjectionType=ALL}' \
      'IndexName=byKeyId,KeySchema=[{AttributeName=keyId,KeyType=HASH}],Projection={ProjectionType=ALL}' >/dev/null
  cli dynamodb wait table-exists --table-name "$keys_table"
  say "table $keys_table created"
fi
create_table "$tenants_table" tenantId
create_table "$routes_table" alias
create_table "$counters_table" counter
create_table "$usage_table" tenant period
create_table "$cache_table" cacheKey

# TTL is housekeeping (SluiceTables tolerates emulators without it), so a failure here only warns.
for ttl_table in "$counters_table" "$cache_table"; do
  ttl=$(cli dynamodb describe-time-to-live --table-name "$ttl_table" \
    --query TimeToLiveDescription.TimeToLiveStatus --output text 2>/dev/null || echo UNKNOWN)
  case "$ttl" in
    ENABLED | ENABLING) say "TTL on $ttl_table.expiresAt is $ttl" ;;
    *)
      if cli dynamodb update-time-to-live --table-name "$ttl_table" \
        --time-to-live-specification Enabled=true,AttributeName=expiresAt >/dev/null 2>&1; then
        say "TTL on $ttl_table.expiresAt enabled"
      else
        say "warning: could not enable TTL on $ttl_table (readers check expiresAt; old items are not deleted)"
      fi
      ;;
  esac
done

# One provisioned shard: every emulator takes it (the CDK stack uses on-demand mode in AWS).
if cli kinesis describe-stream-summary --stream-name "$usage_stream" >/dev/null 2>&1; then
  say "stream $usage_stream exists"
else
  cli kinesis create-stream --stream-name "$usage_stream" --shard-count 1
  cli kinesis wait stream-exists --stream-name "$usage_stream"
  say "stream $usage_stream created"
fi

# One secret per provider, empty unless the provider's own variable is set. The value goes through stdin, never the
# command line, and is never printed.
for pair in openai:OPENAI_API_KEY anthropic:ANTHROPIC_API_KEY gemini:GEMINI_API_KEY \
  azure-openai:AZURE_OPENAI_API_KEY deepseek:DEEPSEEK_API_KEY qwen:DASHSCOPE_API_KEY \
  mistral:MISTRAL_API_KEY groq:GROQ_API_KEY together:TOGETHER_API_KEY; do
  name="$secret_prefix${pair%%:*}"
  variable="${pair#*:}"
  eval "value=\${$variable:-}"
  if cli secretsmanager describe-secret --secret-id "$name" >/dev/null 2>&1; then
    if [ -n "$value" ]; then
      printf '%s' "$value" | cli secretsmanager put-secret-value --secret-id "$name" \
        --secret-string file:///dev/stdin >/dev/null
      say "secret $name updated from \$$variable"
    else
      say "secret $name exists"
    fi
  elif [ -n "$value" ]; then
    printf '%s' "$value" | cli secretsmanager create-secret --name "$name" \
      --description "Sluice $variable (local emulator)" --secret-string file:///dev/stdin >/dev/null
    say "secret $name created from \$$variable"
  else
    cli secretsmanager create-secret --name "$name" \
      --description "Sluice $variable (local emulator; no value yet)" >/dev/null
    say "secret $name created without a value"
  fi
  value=""
done

# The demo route, as DynamoDbRouteRepository writes it: the built-in offline `demo` provider, the dev stack's prices
# (micro-USD per 1M tokens) and the default 60 s first-byte timeout.
cli dynamodb put-item --table-name "$routes_table" --item '{
  "alias": {"S": "demo"},
  "deployments": {"L": [{"M": {
    "provider": {"S": "demo"},
    "upstreamModel": {"S": "sluice-demo-1"},
    "inputPerMillionMicros": {"N": "500000"},
    "outputPerMillionMicros": {"N": "1500000"},
    "cachedInputPerMillionMicros": {"N": "250000"},
    "timeoutMs": {"N": "60000"}}}]}}'
say "route demo -> provider demo"

# put_key KEY NAME RPM: stored as DynamoDbKeyRepository stores it, by SHA-256 hex; the key itself is never stored.
put_key() {
  hash=$(sha256_hex "$1")
  key_id="key_$(printf '%s' "$hash" | cut -c1-12)"
  cli dynamodb put-item --table-name "$keys_table" --item "{
    \"keyHash\": {\"S\": \"$hash\"},
    \"keyId\": {\"S\": \"$key_id\"},
    \"tenantId\": {\"S\": \"demo\"},
    \"name\": {\"S\": \"$2\"},
    \"status\": {\"S\": \"ACTIVE\"},
    \"rpm\": {\"N\": \"$3\"}}"
  say "key $key_id ($2, tenant demo, rpm $3)"
}
put_key "$demo_key" local-demo 0
put_key "$limited_key" local-limited "$limited_rpm"

say "ready on $target: tables $keys_table $routes_table $counters_table $usage_table $cache_table, stream $usage_stream"
say "demo key (emulator only): $demo_key"

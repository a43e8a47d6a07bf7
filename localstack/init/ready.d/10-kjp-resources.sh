#!/bin/bash
# LocalStack init hook: creates the resources serverless.yml declares for stage `local`, like
# dev/local/resources.ts does for the embedded stack. Idempotent (safe on restart).
# Kept in step with serverless.yml by test/serverless/localstack-init.test.ts.
set -euo pipefail

SERVICE=kinesis-jwt-pipeline
STAGE="${KJP_STAGE:-local}"
P="$SERVICE-$STAGE"
ACCOUNT=000000000000

exists() { "$@" >/dev/null 2>&1; }

# Kinesis: PROVISIONED with the local stage's shardCount.
exists awslocal kinesis describe-stream-summary --stream-name "$P-events" ||
  awslocal kinesis create-stream --stream-name "$P-events" --shard-count 2
# Poll rather than `aws kinesis wait` (10 s between checks).
for _ in $(seq 1 120); do
  [ "$(awslocal kinesis describe-stream-summary --stream-name "$P-events" --query StreamDescriptionSummary.StreamStatus --output text)" = ACTIVE ] && break
  sleep 0.5
done

# Ledger: pk, sparse GSI `failures` (failureStatus + failedAt), TTL on `ttl`.
exists awslocal dynamodb describe-table --table-name "$P-ledger" ||
  awslocal dynamodb create-table --table-name "$P-ledger" --billing-mode PAY_PER_REQUEST \
    --attribute-definitions AttributeName=pk,AttributeType=S AttributeName=failureStatus,AttributeType=S AttributeName=failedAt,AttributeType=S AttributeName=activityBucket,AttributeType=S AttributeName=updatedAt,AttributeType=S \
    --key-schema AttributeName=pk,KeyType=HASH \
    --global-secondary-indexes 'IndexName=failures,KeySchema=[{AttributeName=failureStatus,KeyType=HASH},{AttributeName=failedAt,KeyType=RANGE}],Projection={ProjectionType=ALL}' \
      'IndexName=activity,KeySchema=[{AttributeName=activityBucket,KeyType=HASH},{AttributeName=updatedAt,KeyType=RANGE}],Projection={ProjectionType=INCLUDE,NonKeyAttributes=[status,type,reason]}'
awslocal dynamodb wait table-exists --table-name "$P-ledger"
awslocal dynamodb describe-time-to-live --table-name "$P-ledger" --query TimeToLiveDescription.TimeToLiveStatus --output text | grep -q ENABLED ||
  awslocal dynamodb update-time-to-live --table-name "$P-ledger" --time-to-live-specification Enabled=true,AttributeName=ttl

# Projections: pk + sk.
exists awslocal dynamodb describe-table --table-name "$P-projections" ||
  awslocal dynamodb create-table --table-name "$P-projections" --billing-mode PAY_PER_REQUEST \
    --attribute-definitions AttributeName=pk,AttributeType=S AttributeName=sk,AttributeType=S \
    --key-schema AttributeName=pk,KeyType=HASH AttributeName=sk,KeyType=RANGE
awslocal dynamodb wait table-exists --table-name "$P-projections"

# On-failure queue redriving to the replay DLQ after 5 receives.
DLQ_URL=$(awslocal sqs create-queue --queue-name "$P-replay-dlq" --attributes MessageRetentionPeriod=1209600 --query QueueUrl --output text)
DLQ_ARN=$(awslocal sqs get-queue-attributes --queue-url "$DLQ_URL" --attribute-names QueueArn --query Attributes.QueueArn --output text)
ATTRS=$(mktemp)
cat >"$ATTRS" <<JSON
{"MessageRetentionPeriod": "1209600", "VisibilityTimeout": "1800",
 "RedrivePolicy": "{\"deadLetterTargetArn\":\"$DLQ_ARN\",\"maxReceiveCount\":5}"}
JSON
Q_URL=$(awslocal sqs create-queue --queue-name "$P-onfailure" --query QueueUrl --output text)
awslocal sqs set-queue-attributes --queue-url "$Q_URL" --attributes "file://$ATTRS"
rm -f "$ATTRS"

# Optional S3 on-failure destination (always created locally).
exists awslocal s3api head-bucket --bucket "$P-onfailure-$ACCOUNT" || awslocal s3 mb "s3://$P-onfailure-$ACCOUNT"

# The functions' log groups (Lambda would create them; the local runner ships logs there).
for fn in consumer replay authorizer accountPipeline postNote; do
  exists awslocal logs create-log-group --log-group-name "/aws/lambda/$P-$fn" || true
done

touch /tmp/kjp-resources-ready
echo "kjp: resources for stage $STAGE ready"

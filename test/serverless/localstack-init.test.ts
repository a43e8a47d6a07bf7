import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadServiceDefinition } from "../../dev/service-definition/service-definition.js";
import { projectRoot } from "../../lib/util/project-root.js";

/**
 * Docker is not available where the suite runs, so the LocalStack init hook is kept correct by construction:
 * every resource serverless.yml declares for stage `local` must appear in the script with the same shape.
 */
const def = loadServiceDefinition({ stage: "local" });
const raw = readFileSync(join(projectRoot(), "localstack/init/ready.d/10-kjp-resources.sh"), "utf8");
const prefix = `${def.service}-${def.stage}`;
const script = raw
  .replaceAll('"$P-', `"${prefix}-`)
  .replaceAll("$P-", `${prefix}-`)
  .replaceAll("$ACCOUNT", "000000000000");

describe("localstack/init/ready.d/10-kjp-resources.sh", () => {
  it("derives names the way serverless.yml does", () => {
    expect(raw).toContain(`SERVICE=${def.service}`);
    expect(raw).toContain('STAGE="${KJP_STAGE:-local}"');
  });

  it("creates the stream with the local shard count", () => {
    for (const s of def.streams) {
      expect(script).toContain(`create-stream --stream-name "${s.name}" --shard-count ${s.shardCount}`);
    }
  });

  it("creates every table with its keys, indexes and TTL", () => {
    for (const t of def.tables) {
      const start = script.indexOf(`create-table --table-name "${t.name}"`);
      expect(start).toBeGreaterThanOrEqual(0);
      const command = script.slice(start, script.indexOf("awslocal dynamodb wait", start));
      for (const a of t.attributeDefinitions)
        expect(command).toContain(`AttributeName=${a.AttributeName},AttributeType=${a.AttributeType}`);
      expect(command).toContain(
        `--key-schema ${t.keySchema.map((k) => `AttributeName=${k.AttributeName},KeyType=${k.KeyType}`).join(" ")}`,
      );
      for (const index of t.globalSecondaryIndexes) {
        const keys = index.KeySchema.map(
          (k) => `{AttributeName=${k.AttributeName},KeyType=${k.KeyType}}`,
        ).join(",");
        expect(command).toContain(
          `IndexName=${index.IndexName},KeySchema=[${keys}],Projection={ProjectionType=${index.Projection.ProjectionType}${
            index.Projection.NonKeyAttributes
              ? `,NonKeyAttributes=[${index.Projection.NonKeyAttributes.join(",")}]`
              : ""
          }}`,
        );
      }
      if (t.ttlAttribute)
        expect(script).toContain(
          `update-time-to-live --table-name "${t.name}" --time-to-live-specification Enabled=true,AttributeName=${t.ttlAttribute}`,
        );
    }
  });

  it("creates the queues with their attributes and the redrive to the DLQ", () => {
    for (const q of def.queues) {
      expect(script).toContain(`--queue-name "${q.name}"`);
      for (const [name, value] of Object.entries(q.attributes))
        expect(script).toMatch(new RegExp(`${name}(": "|=)${value}`));
      if (q.redrive) {
        const dlq = def.queues.find((d) => d.logicalId === q.redrive?.deadLetterQueue);
        expect(script).toContain(`DLQ_URL=$(awslocal sqs create-queue --queue-name "${dlq?.name}"`);
        expect(script).toContain(`\\"maxReceiveCount\\":${q.redrive.maxReceiveCount}`);
      }
    }
  });

  it("creates the bucket and every function's log group", () => {
    for (const b of def.buckets) expect(script).toContain(`s3://${b.name}`);
    expect(script).toContain(`for fn in ${def.functions.map((f) => f.key).join(" ")}; do`);
    expect(script).toContain(`"/aws/lambda/${prefix}-$fn"`);
  });
});

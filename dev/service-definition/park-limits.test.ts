import { join } from "node:path";
import { deriveParkLimits, parksBeforeLambdaGivesUp } from "../../lib/config/park-limits.js";
import { projectRoot } from "../../lib/util/project-root.js";
import { getPath, readServerlessYaml, resolveVariables } from "./serverless-yaml.js";
import { streamEventSettingsFrom } from "./stream-event.js";

/**
 * serverless.yml's retry and age limits, on every stage: Lambda never discards a batch by count (the shard
 * waits while DynamoDB is unreachable), the record age is bounded by the stream's retention, and the consumer
 * receives exactly the limits its stream event has, so the park limits it derives always come first.
 */
const config = readServerlessYaml(join(projectRoot(), "serverless.yml"));

describe.each(["local", "dev", "prod"])("stage %s", (stage) => {
  const settings = streamEventSettingsFrom(config, { stage });
  const env = resolveVariables(config, getPath(config, "provider.environment"), { stage }) as Record<
    string,
    unknown
  >;
  const retentionHours = Number(resolveVariables(config, "${param:retentionHours}", { stage }));

  it("retries without a count, and ages records out at the stream's retention", () => {
    expect(settings.maximumRetryAttempts).toBe(-1);
    expect(settings.maximumRecordAgeInSeconds).toBe(retentionHours * 3600);
  });

  it("hands the consumer the stream event's own limits, and the park limits derived from them come first", () => {
    expect(Number(env.KJP_LAMBDA_MAXIMUM_RETRY_ATTEMPTS)).toBe(settings.maximumRetryAttempts);
    expect(Number(env.KJP_LAMBDA_MAXIMUM_RECORD_AGE_SECONDS)).toBe(settings.maximumRecordAgeInSeconds);
    const limits = deriveParkLimits(settings, {
      parkAfterAttempts: Number(env.KJP_PARK_AFTER_ATTEMPTS),
      parkAfterAgeSeconds: Number(env.KJP_PARK_AFTER_AGE_SECONDS),
    });
    expect(limits.parkAfterAttempts).toBe(Number(env.KJP_PARK_AFTER_ATTEMPTS));
    expect(parksBeforeLambdaGivesUp(settings, limits)).toBe(true);
  });
});

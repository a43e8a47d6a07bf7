import { ConfigurationError } from "../../lib/errors/kjp-error.js";
import { optionalSetting } from "../../lib/config/env.js";

export type OnFailureDestination = { kind: "sqs"; queueUrl: string } | { kind: "s3"; bucket: string };

const HINT =
  "set KJP_ONFAILURE_DESTINATION to the stage's onFailureDestination (sqs or s3; the local stack's env file " +
  "sets it from serverless.yml), or pass --queue-url URL or --bucket NAME";

/**
 * Where `kjp replay --from onfailure` reads: the option given, else the deployed configuration
 * (KJP_ONFAILURE_DESTINATION). Never inferred from which of KJP_ONFAILURE_QUEUE_URL / KJP_ONFAILURE_BUCKET
 * happens to be set: a stray bucket variable once sent a dry run to a real S3 bucket.
 */
export function onFailureDestination(
  opts: { queueUrl?: string; bucket?: string },
  env: NodeJS.ProcessEnv,
): OnFailureDestination {
  if (opts.queueUrl && opts.bucket)
    throw new ConfigurationError("--queue-url and --bucket name two destinations", "pass one of them");
  if (opts.queueUrl) return { kind: "sqs", queueUrl: opts.queueUrl };
  if (opts.bucket) return { kind: "s3", bucket: opts.bucket };
  const declared = optionalSetting(env, "KJP_ONFAILURE_DESTINATION");
  if (declared === undefined)
    throw new ConfigurationError("--from onfailure: the on-failure destination is not known", HINT);
  if (declared === "sqs") {
    const queueUrl = optionalSetting(env, "KJP_ONFAILURE_QUEUE_URL");
    if (!queueUrl)
      throw new ConfigurationError(
        "KJP_ONFAILURE_DESTINATION is sqs but KJP_ONFAILURE_QUEUE_URL is not set",
        "export it from the stack output OnFailureQueueUrl, or pass --queue-url URL",
      );
    return { kind: "sqs", queueUrl };
  }
  if (declared === "s3") {
    const bucket = optionalSetting(env, "KJP_ONFAILURE_BUCKET");
    if (!bucket)
      throw new ConfigurationError(
        "KJP_ONFAILURE_DESTINATION is s3 but KJP_ONFAILURE_BUCKET is not set",
        "pass --bucket NAME",
      );
    return { kind: "s3", bucket };
  }
  throw new ConfigurationError(`KJP_ONFAILURE_DESTINATION "${declared}" is neither sqs nor s3`, HINT);
}

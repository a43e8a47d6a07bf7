import { ConfigurationError } from "../errors/kjp-error.js";
import {
  getPath,
  isRecord,
  readServerlessYaml,
  resolveVariables,
  stageOf,
  type ServerlessConfig,
  type VariableContext,
} from "../config/serverless-yaml.js";

/**
 * The consumer function's Kinesis `stream` event, as the event source mapping will see it: serverless.yml's
 * names mapped to the CreateEventSourceMapping parameters, AWS defaults applied where a field is absent, and
 * AWS's documented ranges enforced so a setting that would fail at deploy time also fails locally.
 */
export type StartingPosition = "TRIM_HORIZON" | "LATEST" | "AT_TIMESTAMP";
export type DestinationType = "sqs" | "sns" | "s3";

export interface OnFailureTarget {
  type: DestinationType;
  /** A literal ARN when serverless.yml gives one. */
  arn?: string;
  /** Queue name / bucket name / topic name, when it can be read from the ARN or the CloudFormation resource. */
  name?: string;
  /** The CloudFormation logical id, when the destination is `!GetAtt X.Arn` / `!Ref X`. */
  logicalId?: string;
}

export interface StreamEventSettings {
  /** The function's key under `functions:` in serverless.yml. */
  functionKey: string;
  /** The deployed function name (`name:` or `<service>-<stage>-<key>`): used for the log group and ARNs. */
  functionName: string;
  streamName?: string;
  streamArn?: string;
  streamLogicalId?: string;
  enabled: boolean;
  batchSize: number;
  maximumBatchingWindowInSeconds: number;
  maximumRetryAttempts: number;
  maximumRecordAgeInSeconds: number;
  bisectBatchOnFunctionError: boolean;
  reportBatchItemFailures: boolean;
  parallelizationFactor: number;
  startingPosition: StartingPosition;
  /** Unix seconds, only with AT_TIMESTAMP. */
  startingPositionTimestamp?: number;
  onFailure?: OnFailureTarget;
  timeoutSeconds: number;
  memorySizeMb: number;
}

/** AWS's documented defaults for a Kinesis event source mapping (and the Serverless Framework's for the function). */
export const AWS_DEFAULTS = {
  batchSize: 100,
  maximumBatchingWindowInSeconds: 0,
  maximumRetryAttempts: -1,
  maximumRecordAgeInSeconds: -1,
  bisectBatchOnFunctionError: false,
  parallelizationFactor: 1,
  timeoutSeconds: 6,
  memorySizeMb: 1024,
} as const;

export interface SettingsOptions extends VariableContext {
  functionKey?: string;
}

export function readStreamEventSettings(
  serverlessYmlPath: string,
  options: SettingsOptions = {},
): StreamEventSettings {
  return streamEventSettingsFrom(readServerlessYaml(serverlessYmlPath), options);
}

export function streamEventSettingsFrom(
  config: ServerlessConfig,
  options: SettingsOptions = {},
): StreamEventSettings {
  const functionKey = options.functionKey ?? "consumer";
  const fn = getPath(config, `functions.${functionKey}`);
  if (!isRecord(fn)) {
    throw new ConfigurationError(
      `serverless.yml has no function "${functionKey}"`,
      `Declare functions.${functionKey} with a Kinesis stream event.`,
    );
  }
  const events = Array.isArray(fn.events) ? fn.events : [];
  const streamEvents = events
    .map((e) => (isRecord(e) ? e.stream : undefined))
    .filter((s) => s !== undefined)
    .map((s) => (typeof s === "string" ? { arn: s } : s))
    .filter(
      (s): s is Record<string, unknown> =>
        isRecord(s) && (s.type === undefined || s.type === "kinesis" || isKinesisArn(s.arn)),
    );
  if (streamEvents.length !== 1) {
    throw new ConfigurationError(
      `function "${functionKey}" has ${streamEvents.length} Kinesis stream events; the runner needs exactly one`,
      "Declare one `- stream: { type: kinesis, arn: ... }` event on the function.",
    );
  }
  const raw = resolveVariables(config, streamEvents[0], options) as Record<string, unknown>;
  const where = `functions.${functionKey}.events[stream]`;

  const stream = resolveResourceRef(config, raw.arn, options);
  const startingPosition = (
    optionalString(raw.startingPosition, `${where}.startingPosition`) ?? "TRIM_HORIZON"
  ).toUpperCase();
  if (!["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"].includes(startingPosition)) {
    throw new ConfigurationError(
      `${where}.startingPosition must be TRIM_HORIZON, LATEST or AT_TIMESTAMP, not ${startingPosition}`,
    );
  }
  const startingPositionTimestamp = optionalNumber(
    raw.startingPositionTimestamp,
    `${where}.startingPositionTimestamp`,
  );
  if (startingPosition === "AT_TIMESTAMP" && startingPositionTimestamp === undefined) {
    throw new ConfigurationError(
      `${where}.startingPositionTimestamp is required with AT_TIMESTAMP`,
      "Give Unix seconds.",
    );
  }
  const responseType = raw.functionResponseType ?? raw.functionResponseTypes;
  const responseTypes = Array.isArray(responseType)
    ? responseType
    : responseType === undefined
      ? []
      : [responseType];
  for (const t of responseTypes) {
    if (t !== "ReportBatchItemFailures")
      throw new ConfigurationError(
        `${where}.functionResponseType ${String(t)} is not supported`,
        "Use ReportBatchItemFailures.",
      );
  }

  const window = raw.maximumBatchingWindowInSeconds ?? raw.batchWindow ?? raw.maximumBatchingWindow;
  const maximumRecordAgeInSeconds = ranged(
    raw.maximumRecordAgeInSeconds,
    `${where}.maximumRecordAgeInSeconds`,
    -1,
    604_800,
    AWS_DEFAULTS.maximumRecordAgeInSeconds,
  );
  if (maximumRecordAgeInSeconds !== -1 && maximumRecordAgeInSeconds < 60) {
    throw new ConfigurationError(
      `${where}.maximumRecordAgeInSeconds must be -1 or 60..604800, not ${maximumRecordAgeInSeconds}`,
    );
  }
  const service = resolveVariables(
    config,
    typeof config.service === "string" ? config.service : getPath(config, "service.name"),
    options,
  );
  const explicitName = resolveVariables(config, fn.name, options);
  const functionName =
    typeof explicitName === "string"
      ? explicitName
      : `${typeof service === "string" ? service : "service"}-${stageOf(config, options)}-${functionKey}`;

  return {
    functionKey,
    functionName,
    ...stream.named("kinesis"),
    enabled: optionalBoolean(raw.enabled, `${where}.enabled`) ?? true,
    batchSize: ranged(raw.batchSize, `${where}.batchSize`, 1, 10_000, AWS_DEFAULTS.batchSize),
    maximumBatchingWindowInSeconds: ranged(
      window,
      `${where}.batchWindow`,
      0,
      300,
      AWS_DEFAULTS.maximumBatchingWindowInSeconds,
    ),
    maximumRetryAttempts: ranged(
      raw.maximumRetryAttempts,
      `${where}.maximumRetryAttempts`,
      -1,
      10_000,
      AWS_DEFAULTS.maximumRetryAttempts,
    ),
    maximumRecordAgeInSeconds,
    bisectBatchOnFunctionError:
      optionalBoolean(raw.bisectBatchOnFunctionError, `${where}.bisectBatchOnFunctionError`) ?? false,
    reportBatchItemFailures: responseTypes.includes("ReportBatchItemFailures"),
    parallelizationFactor: ranged(
      raw.parallelizationFactor,
      `${where}.parallelizationFactor`,
      1,
      10,
      AWS_DEFAULTS.parallelizationFactor,
    ),
    startingPosition: startingPosition as StartingPosition,
    ...(startingPositionTimestamp === undefined ? {} : { startingPositionTimestamp }),
    ...onFailureFrom(config, raw.destinations, options, where),
    timeoutSeconds: ranged(
      resolveVariables(config, fn.timeout ?? getPath(config, "provider.timeout"), options),
      `functions.${functionKey}.timeout`,
      1,
      900,
      AWS_DEFAULTS.timeoutSeconds,
    ),
    memorySizeMb: ranged(
      resolveVariables(config, fn.memorySize ?? getPath(config, "provider.memorySize"), options),
      `functions.${functionKey}.memorySize`,
      128,
      10_240,
      AWS_DEFAULTS.memorySizeMb,
    ),
  };
}

function onFailureFrom(
  config: ServerlessConfig,
  destinations: unknown,
  ctx: VariableContext,
  where: string,
): { onFailure?: OnFailureTarget } {
  if (destinations === undefined || destinations === null) return {};
  if (!isRecord(destinations))
    throw new ConfigurationError(`${where}.destinations must be a mapping with onFailure`);
  const onFailure = destinations.onFailure;
  if (onFailure === undefined || onFailure === null) return {};
  const spec =
    isRecord(onFailure) && ("arn" in onFailure || "type" in onFailure) ? onFailure : { arn: onFailure };
  const ref = resolveResourceRef(config, spec.arn, ctx);
  const declared = typeof spec.type === "string" ? spec.type.toLowerCase() : undefined;
  const type = declared ?? ref.service;
  if (type !== "sqs" && type !== "sns" && type !== "s3") {
    throw new ConfigurationError(
      `${where}.destinations.onFailure: cannot tell whether it is SQS, SNS or S3`,
      "Add `type: sqs` (or sns/s3) next to its arn.",
    );
  }
  const named = ref.named(type);
  return {
    onFailure: {
      type,
      ...(named.streamArn ? { arn: named.streamArn } : {}),
      ...(named.streamName ? { name: named.streamName } : {}),
      ...(ref.logicalId ? { logicalId: ref.logicalId } : {}),
    },
  };
}

interface ResourceRef {
  service?: string;
  logicalId?: string;
  named(kind: string): { streamName?: string; streamArn?: string; streamLogicalId?: string };
}

const RESOURCE_SERVICE: Record<string, string> = {
  "AWS::Kinesis::Stream": "kinesis",
  "AWS::SQS::Queue": "sqs",
  "AWS::SNS::Topic": "sns",
  "AWS::S3::Bucket": "s3",
};
const NAME_PROPERTY: Record<string, string> = {
  kinesis: "Name",
  sqs: "QueueName",
  sns: "TopicName",
  s3: "BucketName",
};

/** A literal ARN, or `Fn::GetAtt [X, Arn]` / `Ref X` pointing at a resource declared under `resources:`. */
function resolveResourceRef(config: ServerlessConfig, value: unknown, ctx: VariableContext): ResourceRef {
  if (typeof value === "string") {
    const arn = /^arn:[^:]+:([^:]+):[^:]*:[^:]*:(.+)$/.exec(value);
    const service = arn?.[1];
    const name = arn?.[2]?.replace(/^stream\//, "");
    return {
      ...(service ? { service } : {}),
      named: () => ({ streamArn: value, ...(name ? { streamName: name } : {}) }),
    };
  }
  let logicalId: string | undefined;
  if (isRecord(value) && Array.isArray(value["Fn::GetAtt"])) logicalId = String(value["Fn::GetAtt"][0]);
  else if (isRecord(value) && typeof value["Fn::GetAtt"] === "string")
    logicalId = value["Fn::GetAtt"].split(".")[0];
  else if (isRecord(value) && typeof value.Ref === "string") logicalId = value.Ref;
  if (!logicalId) return { named: () => ({}) };
  const resource = getPath(config, `resources.Resources.${logicalId}`);
  const service =
    isRecord(resource) && typeof resource.Type === "string" ? RESOURCE_SERVICE[resource.Type] : undefined;
  const id = logicalId;
  return {
    ...(service ? { service } : {}),
    logicalId: id,
    named: (kind) => {
      const nameProperty =
        isRecord(resource) && isRecord(resource.Properties)
          ? resource.Properties[NAME_PROPERTY[kind] ?? "Name"]
          : undefined;
      const name = resolveVariables(config, nameProperty, ctx);
      return { streamLogicalId: id, ...(typeof name === "string" ? { streamName: name } : {}) };
    },
  };
}

function isKinesisArn(value: unknown): boolean {
  return typeof value === "string" ? value.startsWith("arn:") && value.includes(":kinesis:") : true;
}

function numeric(value: unknown, where: string): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n) || !Number.isInteger(n)) {
    throw new ConfigurationError(`${where} must be a whole number, not ${JSON.stringify(value)}`);
  }
  return n;
}

function ranged(value: unknown, where: string, min: number, max: number, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const n = numeric(value, where);
  if (n < min || n > max)
    throw new ConfigurationError(
      `${where} must be within ${min}..${max}, not ${n}`,
      "See the Lambda CreateEventSourceMapping limits.",
    );
  return n;
}

function optionalNumber(value: unknown, where: string): number | undefined {
  return value === undefined || value === null ? undefined : numeric(value, where);
}

function optionalBoolean(value: unknown, where: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "false") return value === "true";
  throw new ConfigurationError(`${where} must be true or false, not ${JSON.stringify(value)}`);
}

function optionalString(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string")
    throw new ConfigurationError(`${where} must be a string, not ${JSON.stringify(value)}`);
  return value;
}

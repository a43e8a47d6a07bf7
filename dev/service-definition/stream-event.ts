import { ConfigurationError } from "../../lib/errors/kjp-error.js";
import {
  isRecord,
  readServerlessYaml,
  stageOf,
  type ServerlessConfig,
  type VariableContext,
} from "./serverless-yaml.js";
import { type ServiceDefinition, serviceDefinitionFrom } from "./service-definition.js";

/**
 * The consumer function's Kinesis `stream` event, as the event source mapping will see it (the local runner
 * reads it): serverless.yml's names mapped to the CreateEventSourceMapping parameters, AWS defaults applied where a field is absent, and
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

/** The settings of `options.functionKey` (default `consumer`), for the stage option or serverless.yml's own. */
export function streamEventSettingsFrom(
  config: ServerlessConfig,
  options: SettingsOptions = {},
): StreamEventSettings {
  const definition = serviceDefinitionFrom(config, {
    stage: stageOf(config, options),
    ...(options.region ? { region: options.region } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  return streamEventSettingsOf(definition, options.functionKey ?? "consumer");
}

/** The stream event settings of one function of a service definition (its references already resolved). */
export function streamEventSettingsOf(
  definition: ServiceDefinition,
  functionKey: string,
): StreamEventSettings {
  const fn = definition.functions.find((f) => f.key === functionKey);
  if (!fn) {
    throw new ConfigurationError(
      `serverless.yml has no function "${functionKey}"`,
      `Declare functions.${functionKey} with a Kinesis stream event.`,
    );
  }
  const streamEvents = fn.events
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
  const raw = streamEvents[0]!;
  const where = `functions.${functionKey}.events[stream]`;

  const stream = resolveResourceRef(definition, raw.arn);
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
  const functionName = fn.name;

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
    ...onFailureFrom(definition, raw.destinations, where),
    timeoutSeconds: ranged(
      fn.timeout,
      `functions.${functionKey}.timeout`,
      1,
      900,
      AWS_DEFAULTS.timeoutSeconds,
    ),
    memorySizeMb: ranged(
      fn.memorySize,
      `functions.${functionKey}.memorySize`,
      128,
      10_240,
      AWS_DEFAULTS.memorySizeMb,
    ),
  };
}

function onFailureFrom(
  definition: ServiceDefinition,
  destinations: unknown,
  where: string,
): { onFailure?: OnFailureTarget } {
  if (destinations === undefined || destinations === null) return {};
  if (!isRecord(destinations))
    throw new ConfigurationError(`${where}.destinations must be a mapping with onFailure`);
  const onFailure = destinations.onFailure;
  if (onFailure === undefined || onFailure === null) return {};
  const spec =
    isRecord(onFailure) && ("arn" in onFailure || "type" in onFailure) ? onFailure : { arn: onFailure };
  const ref = resolveResourceRef(definition, spec.arn);
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
  named(kind?: string): { streamName?: string; streamArn?: string; streamLogicalId?: string };
}

/** A literal ARN, or `Fn::GetAtt [X, Arn]` / `Ref X` pointing at a resource declared under `resources:`. */
function resolveResourceRef(definition: ServiceDefinition, value: unknown): ResourceRef {
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
  const resource = definition.resources[logicalId];
  const id = logicalId;
  return {
    ...(resource?.service ? { service: resource.service } : {}),
    logicalId: id,
    named: () => ({ streamLogicalId: id, ...(resource?.name ? { streamName: resource.name } : {}) }),
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

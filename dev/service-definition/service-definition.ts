import { join } from "node:path";
import { ConfigurationError } from "../../lib/errors/kjp-error.js";
import { projectRoot } from "../../lib/util/project-root.js";
import { Intrinsics, NAME_PROPERTY, serviceOfType } from "./intrinsics.js";
import {
  getPath,
  isRecord,
  parseServerlessYaml,
  readServerlessYaml,
  resolveVariables,
  type ServerlessConfig,
  type VariableContext,
} from "./serverless-yaml.js";

/**
 * The AWS resources serverless.yml declares, read from the file itself so the local stack (and anything else
 * that needs a table or stream name) never restates them. Only what local creation needs is modelled; the
 * CloudFormation intrinsics and Serverless variables used in serverless.yml are resolved for a given stage.
 */
export interface KeyElement {
  AttributeName: string;
  KeyType: "HASH" | "RANGE";
}
export interface AttributeDefinition {
  AttributeName: string;
  AttributeType: "S" | "N" | "B";
}
export interface StreamDefinition {
  logicalId: string;
  name: string;
  mode: "ON_DEMAND" | "PROVISIONED";
  shardCount?: number;
  retentionHours?: number;
}
export interface TableDefinition {
  logicalId: string;
  name: string;
  attributeDefinitions: AttributeDefinition[];
  keySchema: KeyElement[];
  globalSecondaryIndexes: {
    IndexName: string;
    KeySchema: KeyElement[];
    Projection: { ProjectionType: "ALL" | "KEYS_ONLY" | "INCLUDE"; NonKeyAttributes?: string[] };
  }[];
  ttlAttribute?: string;
}
export interface QueueDefinition {
  logicalId: string;
  name: string;
  /** SQS attributes as strings (MessageRetentionPeriod, VisibilityTimeout, ...), redrive excluded. */
  attributes: Record<string, string>;
  /** The dead-letter queue by logical id: its ARN is only known once it exists. */
  redrive?: { deadLetterQueue: string; maxReceiveCount: number };
}
export interface BucketDefinition {
  logicalId: string;
  name: string;
}
export interface FunctionDefinition {
  key: string;
  /** Deployed name, `<service>-<stage>-<key>` unless `name` is set. */
  name: string;
  handler: string;
  logGroup: string;
  /** package.artifact: the pre-built zip `serverless package` picks up (npm run build:lambda writes it). */
  artifact?: string;
  /** `timeout` of the function, else of the provider; variables resolved. */
  timeout?: unknown;
  /** `memorySize` of the function, else of the provider; variables resolved. */
  memorySize?: unknown;
  /** The function's events, variables resolved; CloudFormation references are left for `resources`. */
  events: unknown[];
}
/** A resource declared under resources.Resources, as a reference to it (`!Ref X`, `!GetAtt X.Arn`) resolves. */
export interface ResourceRef {
  logicalId: string;
  type: string;
  /** The service as ARNs name it (`kinesis`, `sqs`, `s3`, ...). */
  service?: string;
  /** Its physical name, when serverless.yml gives one. */
  name?: string;
}
export interface ServiceDefinition {
  service: string;
  stage: string;
  region: string;
  streams: StreamDefinition[];
  tables: TableDefinition[];
  queues: QueueDefinition[];
  buckets: BucketDefinition[];
  functions: FunctionDefinition[];
  /** `custom.names`, resolved: the physical names serverless.yml shares between resources and environment. */
  names: Record<string, string>;
  /** Every declared resource by logical id, its name resolved once (variables and intrinsics). */
  resources: Record<string, ResourceRef>;
}

export interface LoadOptions {
  /** Default: serverless.yml at the project root. */
  path?: string;
  /** Default `local`: the stage the embedded stack and integration tests use. */
  stage?: string;
  region?: string;
  accountId?: string;
  env?: NodeJS.ProcessEnv;
}

type Doc = ServerlessConfig;

function numberOrUndefined(v: unknown): number | undefined {
  return v === undefined || v === null || v === "" ? undefined : Number(v);
}

/** Parses serverless.yml text into the resources a stage declares. */
export function parseServiceDefinition(
  text: string,
  options: Omit<LoadOptions, "path"> = {},
  source = "serverless.yml",
): ServiceDefinition {
  return serviceDefinitionFrom(parseServerlessYaml(text, source), options);
}

/** Reads serverless.yml (default: the project's) for a stage (default `local`). */
export function loadServiceDefinition(options: LoadOptions = {}): ServiceDefinition {
  return serviceDefinitionFrom(
    readServerlessYaml(options.path ?? join(projectRoot(), "serverless.yml")),
    options,
  );
}

/** The resources a stage of an already-read serverless.yml declares. */
export function serviceDefinitionFrom(
  doc: ServerlessConfig,
  options: Omit<LoadOptions, "path"> = {},
): ServiceDefinition {
  const stage = options.stage ?? "local";
  const env = options.env ?? process.env;
  const region = options.region ?? env.AWS_REGION ?? "us-east-1";
  // The stage and region are always known here, so `${opt:stage}` is the stage too, as with `--stage`.
  const ctx: VariableContext = { stage, region, env };
  const vars = { resolve: (value: unknown) => resolveVariables(doc, value, ctx) };
  const service = String(
    vars.resolve(typeof doc.service === "string" ? doc.service : getPath(doc, "service.name")),
  );
  const resources = (getPath(doc, "resources.Resources") ?? {}) as Doc;
  const conditions = vars.resolve(getPath(doc, "resources.Conditions") ?? {}) as Doc;
  const pseudo = {
    "AWS::Region": region,
    "AWS::AccountId": options.accountId ?? "000000000000",
    "AWS::Partition": "aws",
    "AWS::StackName": `${service}-${stage}`,
  };

  const names = new Map<string, string | undefined>();
  const nameOf = (logicalId: string): string | undefined => {
    if (names.has(logicalId)) return names.get(logicalId);
    const resource = resources[logicalId];
    const property = isRecord(resource) ? NAME_PROPERTY[String(resource.Type)] : undefined;
    const raw = property && isRecord(resource) ? getPath(resource, `Properties.${property}`) : undefined;
    const name = raw === undefined ? undefined : String(cfn.evaluate(vars.resolve(raw)));
    names.set(logicalId, name);
    return name;
  };
  const cfn: Intrinsics = new Intrinsics(resources, conditions, pseudo, (logicalId) => {
    const name = nameOf(logicalId);
    if (name === undefined)
      throw new ConfigurationError(
        `serverless.yml: ${logicalId} has no explicit name`,
        "Give every locally created resource a physical name.",
      );
    return name;
  });

  const definition: ServiceDefinition = {
    service,
    stage,
    region,
    streams: [],
    tables: [],
    queues: [],
    buckets: [],
    functions: [],
    names: Object.fromEntries(
      Object.entries((getPath(doc, "custom.names") ?? {}) as Doc).map(([k, v]) => [
        k,
        String(vars.resolve(v)),
      ]),
    ),
    resources: {},
  };

  for (const [logicalId, resource] of Object.entries(resources)) {
    if (!isRecord(resource)) continue;
    const type = String(resource.Type);
    const service = serviceOfType(type);
    const name = nameOf(logicalId);
    definition.resources[logicalId] = {
      logicalId,
      type,
      ...(service ? { service } : {}),
      ...(name === undefined ? {} : { name }),
    };
    const props = () => cfn.evaluate(vars.resolve(resource.Properties ?? {})) as Doc;
    switch (resource.Type) {
      case "AWS::Kinesis::Stream": {
        const p = props();
        const mode = (getPath(p, "StreamModeDetails.StreamMode") ??
          "PROVISIONED") as StreamDefinition["mode"];
        definition.streams.push({
          logicalId,
          name: cfn.evaluate({ Ref: logicalId }) as string,
          mode,
          shardCount: numberOrUndefined(p.ShardCount) ?? (mode === "PROVISIONED" ? 1 : undefined),
          retentionHours: numberOrUndefined(p.RetentionPeriodHours),
        });
        break;
      }
      case "AWS::DynamoDB::Table": {
        const p = props();
        const ttl = p.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
        definition.tables.push({
          logicalId,
          name: String(p.TableName),
          attributeDefinitions: p.AttributeDefinitions as AttributeDefinition[],
          keySchema: p.KeySchema as KeyElement[],
          globalSecondaryIndexes: (p.GlobalSecondaryIndexes ??
            []) as TableDefinition["globalSecondaryIndexes"],
          ttlAttribute: ttl?.Enabled ? ttl.AttributeName : undefined,
        });
        break;
      }
      case "AWS::SQS::Queue": {
        const {
          QueueName,
          RedrivePolicy,
          SqsManagedSseEnabled: _sse,
          KmsMasterKeyId: _kms,
          ...rest
        } = resource.Properties as Doc;
        const attributes = Object.fromEntries(
          Object.entries(cfn.evaluate(vars.resolve(rest)) as Doc).map(([k, v]) => [k, String(v)]),
        );
        let redrive: QueueDefinition["redrive"];
        if (isRecord(RedrivePolicy)) {
          const target = RedrivePolicy.deadLetterTargetArn;
          const dlq =
            isRecord(target) && Array.isArray(target["Fn::GetAtt"])
              ? String(target["Fn::GetAtt"][0])
              : undefined;
          if (!dlq)
            throw new ConfigurationError(
              `serverless.yml: ${logicalId} RedrivePolicy must name its DLQ with !GetAtt <Queue>.Arn`,
              "Use !GetAtt.",
            );
          redrive = {
            deadLetterQueue: dlq,
            maxReceiveCount: Number(vars.resolve(RedrivePolicy.maxReceiveCount)),
          };
        }
        definition.queues.push({
          logicalId,
          name: String(cfn.evaluate(vars.resolve(QueueName))),
          attributes,
          redrive,
        });
        break;
      }
      case "AWS::S3::Bucket":
        definition.buckets.push({ logicalId, name: cfn.evaluate({ Ref: logicalId }) as string });
        break;
    }
  }

  for (const [key, fn] of Object.entries((doc.functions ?? {}) as Doc)) {
    if (!isRecord(fn)) continue;
    const name = fn.name === undefined ? `${service}-${stage}-${key}` : String(vars.resolve(fn.name));
    const artifact = getPath(fn, "package.artifact");
    const timeout = vars.resolve(fn.timeout ?? getPath(doc, "provider.timeout"));
    const memorySize = vars.resolve(fn.memorySize ?? getPath(doc, "provider.memorySize"));
    definition.functions.push({
      key,
      name,
      handler: String(fn.handler),
      logGroup: `/aws/lambda/${name}`,
      ...(artifact === undefined ? {} : { artifact: String(vars.resolve(artifact)) }),
      ...(timeout === undefined ? {} : { timeout }),
      ...(memorySize === undefined ? {} : { memorySize }),
      events: Array.isArray(fn.events) ? (vars.resolve(fn.events) as unknown[]) : [],
    });
  }
  return definition;
}

/** The one resource of a kind with this logical id, or a configuration error naming what is missing. */
export function requireResource<T extends { logicalId: string }>(list: T[], logicalId: string): T {
  const found = list.find((r) => r.logicalId === logicalId);
  if (!found)
    throw new ConfigurationError(
      `serverless.yml declares no ${logicalId}`,
      "Restore the resource in serverless.yml.",
    );
  return found;
}

import { join } from "node:path";
import { ConfigurationError } from "../errors/kjp-error.js";
import { projectRoot } from "../util/project-root.js";
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

const NO_VALUE = Symbol("AWS::NoValue");

/** Just enough CloudFormation to read resource properties: Ref, GetAtt Arn/name, Sub, If/Equals, Join. */
class Intrinsics {
  constructor(
    private readonly resources: Doc,
    private readonly conditions: Doc,
    private readonly pseudo: Record<string, string>,
    private readonly physicalName: (logicalId: string) => string,
  ) {}

  evaluate(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.evaluate(v)).filter((v) => v !== NO_VALUE);
    if (!isRecord(value)) return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [fn] = keys as [string];
      const arg = value[fn];
      switch (fn) {
        case "Ref":
          return this.ref(String(arg));
        case "Fn::GetAtt":
          return this.getAtt(...(arg as [string, string]));
        case "Fn::Sub":
          return this.sub(arg);
        case "Fn::If": {
          const [condition, whenTrue, whenFalse] = arg as [string, unknown, unknown];
          return this.evaluate(this.condition(condition) ? whenTrue : whenFalse);
        }
        case "Fn::Join": {
          const [sep, parts] = arg as [string, unknown[]];
          return (this.evaluate(parts) as unknown[]).join(sep);
        }
      }
    }
    const out: Doc = {};
    for (const [k, v] of Object.entries(value)) {
      const evaluated = this.evaluate(v);
      if (evaluated !== NO_VALUE) out[k] = evaluated;
    }
    return out;
  }

  condition(name: string): boolean {
    const expr = this.conditions[name];
    if (!isRecord(expr))
      throw new ConfigurationError(
        `serverless.yml: unknown condition ${name}`,
        "Declare it under resources.Conditions.",
      );
    return this.truth(expr);
  }

  private truth(expr: unknown): boolean {
    if (!isRecord(expr)) return Boolean(expr);
    if ("Fn::Equals" in expr) {
      const [a, b] = this.evaluate(expr["Fn::Equals"]) as [unknown, unknown];
      return String(a) === String(b);
    }
    if ("Fn::Not" in expr) return !this.truth((expr["Fn::Not"] as unknown[])[0]);
    if ("Fn::And" in expr) return (expr["Fn::And"] as unknown[]).every((e) => this.truth(e));
    if ("Fn::Or" in expr) return (expr["Fn::Or"] as unknown[]).some((e) => this.truth(e));
    if ("Condition" in expr) return this.condition(String(expr.Condition));
    throw new ConfigurationError(
      `serverless.yml: unsupported condition ${JSON.stringify(expr)}`,
      "Use Fn::Equals/Not/And/Or.",
    );
  }

  private ref(name: string): unknown {
    if (name === "AWS::NoValue") return NO_VALUE;
    if (name in this.pseudo) return this.pseudo[name];
    if (name in this.resources) return this.physicalName(name);
    throw new ConfigurationError(
      `serverless.yml: Ref to unknown ${name}`,
      "Reference a declared resource or pseudo parameter.",
    );
  }

  private getAtt(logicalId: string, attribute: string): string {
    const resource = this.resources[logicalId];
    if (!isRecord(resource))
      throw new ConfigurationError(
        `serverless.yml: GetAtt on unknown resource ${logicalId}`,
        "Check the logical id.",
      );
    const name = this.physicalName(logicalId);
    const { "AWS::Region": region, "AWS::AccountId": account, "AWS::Partition": partition } = this.pseudo;
    if (attribute === "QueueName" || attribute === "Name") return name;
    if (attribute !== "Arn")
      throw new ConfigurationError(
        `serverless.yml: GetAtt ${logicalId}.${attribute} is not supported locally`,
        "Use .Arn or a name.",
      );
    switch (resource.Type) {
      case "AWS::Kinesis::Stream":
        return `arn:${partition}:kinesis:${region}:${account}:stream/${name}`;
      case "AWS::DynamoDB::Table":
        return `arn:${partition}:dynamodb:${region}:${account}:table/${name}`;
      case "AWS::SQS::Queue":
        return `arn:${partition}:sqs:${region}:${account}:${name}`;
      case "AWS::S3::Bucket":
        return `arn:${partition}:s3:::${name}`;
      default:
        return `arn:${partition}:cloudformation:${region}:${account}:${logicalId}`;
    }
  }

  private sub(arg: unknown): string {
    const [template, vars] = Array.isArray(arg) ? (arg as [string, Doc]) : [String(arg), {}];
    return template.replace(/\$\{([^}]+)\}/g, (_, key: string) => {
      if (key in vars) return String(this.evaluate(vars[key]));
      if (key in this.pseudo) return this.pseudo[key] ?? "";
      const [logicalId, attribute] = key.split(".");
      return attribute ? this.getAtt(logicalId ?? "", attribute) : String(this.ref(key));
    });
  }
}

const NAME_PROPERTY: Record<string, string> = {
  "AWS::Kinesis::Stream": "Name",
  "AWS::DynamoDB::Table": "TableName",
  "AWS::SQS::Queue": "QueueName",
  "AWS::S3::Bucket": "BucketName",
  "AWS::Logs::LogGroup": "LogGroupName",
};

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
  const service = String(vars.resolve(doc.service));
  const resources = (getPath(doc, "resources.Resources") ?? {}) as Doc;
  const conditions = vars.resolve(getPath(doc, "resources.Conditions") ?? {}) as Doc;
  const pseudo = {
    "AWS::Region": region,
    "AWS::AccountId": options.accountId ?? "000000000000",
    "AWS::Partition": "aws",
    "AWS::StackName": `${service}-${stage}`,
  };

  const names = new Map<string, string>();
  const cfn: Intrinsics = new Intrinsics(resources, conditions, pseudo, (logicalId) => {
    const known = names.get(logicalId);
    if (known) return known;
    const resource = resources[logicalId];
    const property = isRecord(resource) ? NAME_PROPERTY[String(resource.Type)] : undefined;
    const raw = property && isRecord(resource) ? getPath(resource, `Properties.${property}`) : undefined;
    if (raw === undefined)
      throw new ConfigurationError(
        `serverless.yml: ${logicalId} has no explicit name`,
        "Give every locally created resource a physical name.",
      );
    const name = String(cfn.evaluate(vars.resolve(raw)));
    names.set(logicalId, name);
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
  };

  for (const [logicalId, resource] of Object.entries(resources)) {
    if (!isRecord(resource)) continue;
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
    definition.functions.push({
      key,
      name,
      handler: String(fn.handler),
      logGroup: `/aws/lambda/${name}`,
      ...(artifact === undefined ? {} : { artifact: String(vars.resolve(artifact)) }),
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

import { ConfigurationError } from "../../lib/errors/kjp-error.js";
import { isRecord, type ServerlessConfig } from "./serverless-yaml.js";

type Doc = ServerlessConfig;

const NO_VALUE = Symbol("AWS::NoValue");

/** Just enough CloudFormation to read resource properties: Ref, GetAtt Arn/name, Sub, If/Equals, Join. */
export class Intrinsics {
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

export const NAME_PROPERTY: Record<string, string> = {
  "AWS::Kinesis::Stream": "Name",
  "AWS::DynamoDB::Table": "TableName",
  "AWS::SQS::Queue": "QueueName",
  "AWS::S3::Bucket": "BucketName",
  "AWS::SNS::Topic": "TopicName",
  "AWS::Logs::LogGroup": "LogGroupName",
};

/** The service part of a resource type, as ARNs name it: `AWS::SQS::Queue` → `sqs`. */
export function serviceOfType(type: string): string | undefined {
  return type.split("::")[1]?.toLowerCase();
}

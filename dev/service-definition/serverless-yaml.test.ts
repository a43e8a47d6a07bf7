import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigurationError } from "../../lib/errors/kjp-error.js";
import {
  getPath,
  parseServerlessYaml,
  readServerlessYaml,
  resolveVariables,
  stageOf,
} from "./serverless-yaml.js";

describe("reading serverless.yml", () => {
  it("turns CloudFormation short-form tags into their long forms", () => {
    const doc = parseServerlessYaml(`
a: !GetAtt Queue.Arn
b: !Ref Stream
c: !Join ["-", [x, !Ref Stream]]
d: !Sub "arn:aws:s3:::\${Bucket}"
e: !If [IsProd, 1, 2]
f: !Cidr [10.0.0.0/16, 2, 8]
`);
    expect(doc).toEqual({
      a: { "Fn::GetAtt": ["Queue", "Arn"] },
      b: { Ref: "Stream" },
      c: { "Fn::Join": ["-", ["x", { Ref: "Stream" }]] },
      d: { "Fn::Sub": "arn:aws:s3:::${Bucket}" },
      e: { "Fn::If": ["IsProd", 1, 2] },
      f: { "Fn::Cidr": ["10.0.0.0/16", 2, 8] },
    });
  });

  it("refuses text that is not YAML, or not a mapping, naming the source", () => {
    expect(() => parseServerlessYaml("service: [unclosed", "x.yml")).toThrow(ConfigurationError);
    expect(() => parseServerlessYaml("service: [unclosed", "x.yml")).toThrow(/x\.yml is not valid YAML/);
    expect(() => parseServerlessYaml("- a\n- b\n")).toThrow(/does not hold a YAML mapping/);
  });

  it("reads a file, and names a file it cannot read", () => {
    const dir = mkdtempSync(join(tmpdir(), "kjp-sls-"));
    try {
      const path = join(dir, "serverless.yml");
      writeFileSync(path, "service: svc\nprovider:\n  stage: qa\n");
      expect(getPath(readServerlessYaml(path), "provider.stage")).toBe("qa");
      expect(() => readServerlessYaml(join(dir, "missing.yml"))).toThrow(/cannot read .*missing\.yml/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("serverless variables", () => {
  const config = parseServerlessYaml("custom:\n  n: 5\n  s: x\n");
  it("keeps a whole-value variable's type and interpolates inside strings", () => {
    expect(resolveVariables(config, "${self:custom.n}")).toBe(5);
    expect(resolveVariables(config, "a-${self:custom.s}-${self:custom.n}")).toBe("a-x-5");
    expect(resolveVariables(config, "${env:KJP_SURELY_UNSET_VAR, 'fallback'}", { env: {} })).toBe("fallback");
    expect(resolveVariables(config, "${env:HOME_X}", { env: { HOME_X: "/h" } })).toBe("/h");
  });

  it("resolves nested variables innermost first, inside arrays and mappings", () => {
    const doc = parseServerlessYaml("custom:\n  which: n\n  n: 7\n");
    expect(resolveVariables(doc, { list: ["${self:custom.${self:custom.which}}"] })).toEqual({ list: [7] });
  });

  it("takes literal, number and boolean fallbacks, and a quoted fallback may hold a comma", () => {
    const env = {};
    expect(resolveVariables(config, "${env:NOPE, 3}", { env })).toBe(3);
    expect(resolveVariables(config, "${env:NOPE, true}", { env })).toBe(true);
    expect(resolveVariables(config, "${env:NOPE, 'a, b'}", { env })).toBe("a, b");
    expect(resolveVariables(config, "${env:NOPE, self:custom.s}", { env })).toBe("x");
  });

  it("leaves CloudFormation's own ${...} (Fn::Sub) for CloudFormation", () => {
    const sub = { "Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}-${self:custom.s}" };
    expect(resolveVariables(config, sub)).toEqual({ "Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}-x" });
  });

  it("names a variable without a value, and the stage when one is given", () => {
    expect(() => resolveVariables(config, "${self:custom.missing}")).toThrow(ConfigurationError);
    expect(() => resolveVariables(config, "${self:custom.missing}")).toThrow(
      /\$\{self:custom\.missing\} has no value here/,
    );
    expect(() => resolveVariables(config, "${param:nope}", { stage: "qa" })).toThrow(
      /\$\{param:nope\} has no value for stage qa/,
    );
  });

  it("refuses a cycle", () => {
    const cyclic = parseServerlessYaml("custom:\n  a: ${self:custom.b}\n  b: ${self:custom.a}\n");
    expect(() => resolveVariables(cyclic, "${self:custom.a}")).toThrow(/nest too deeply/);
  });
});

describe("stage and region", () => {
  const doc = parseServerlessYaml(`
provider:
  stage: \${opt:stage, 'dev'}
params:
  default: { shards: 1 }
  qa: { shards: 3 }
`);

  it("takes the stage option, else provider.stage, else dev", () => {
    expect(stageOf(doc)).toBe("dev");
    expect(stageOf(doc, { stage: "qa" })).toBe("qa");
    expect(stageOf(parseServerlessYaml("provider:\n  stage: staging\n"))).toBe("staging");
    expect(stageOf(parseServerlessYaml("service: svc\n"))).toBe("dev");
  });

  it("keeps ${opt:stage} for the option while ${sls:stage} and params follow the effective stage", () => {
    expect(resolveVariables(doc, "${opt:stage, 'none'}")).toBe("none");
    expect(resolveVariables(doc, "${sls:stage}")).toBe("dev");
    expect(resolveVariables(doc, "${param:shards}")).toBe(1);
    expect(resolveVariables(doc, "${opt:stage}-${sls:stage}", { stage: "qa" })).toBe("qa-qa");
    expect(resolveVariables(doc, "${param:shards}", { stage: "qa" })).toBe(3);
  });

  it("resolves ${opt:region} from the option only and ${aws:region} from the option, AWS_REGION, or us-east-1", () => {
    expect(resolveVariables(doc, "${opt:region, 'none'}", { env: {} })).toBe("none");
    expect(resolveVariables(doc, "${opt:region}", { region: "eu-west-1" })).toBe("eu-west-1");
    expect(resolveVariables(doc, "${aws:region}", { region: "eu-west-1", env: {} })).toBe("eu-west-1");
    expect(resolveVariables(doc, "${aws:region}", { env: { AWS_REGION: "ap-south-1" } })).toBe("ap-south-1");
    expect(resolveVariables(doc, "${aws:region}", { env: {} })).toBe("us-east-1");
  });
});

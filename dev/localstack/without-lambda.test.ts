import { withoutLambdaFunctions } from "./without-lambda.js";

describe("withoutLambdaFunctions", () => {
  it("drops functions and whatever refers to them, directly or through another dropped resource", () => {
    const { template, removed } = withoutLambdaFunctions({
      Resources: {
        Role: { Type: "AWS::IAM::Role" },
        Fn: { Type: "AWS::Lambda::Function", Properties: { Role: { "Fn::GetAtt": ["Role", "Arn"] } } },
        Mapping: { Type: "AWS::Lambda::EventSourceMapping", Properties: { FunctionName: { Ref: "Fn" } } },
        Rule: { Type: "AWS::Events::Rule", Properties: { Targets: [{ Arn: { "Fn::GetAtt": "Fn.Arn" } }] } },
        Perm: { Type: "AWS::Lambda::Permission", Properties: { SourceArn: { "Fn::Sub": "${Rule.Arn}" } } },
        After: { Type: "AWS::SQS::Queue", DependsOn: ["Perm"] },
        Queue: { Type: "AWS::SQS::Queue" },
      },
      Outputs: { FnArn: { Value: { "Fn::GetAtt": ["Fn", "Arn"] } }, Q: { Value: { Ref: "Queue" } } },
    });
    expect(removed).toEqual(["After", "Fn", "Mapping", "Perm", "Rule"]);
    expect(Object.keys(template.Resources)).toEqual(["Role", "Queue"]);
    expect(Object.keys(template.Outputs ?? {})).toEqual(["Q"]);
  });

  it("leaves a template without functions as it is", () => {
    const input = { Resources: { Queue: { Type: "AWS::SQS::Queue" } } };
    expect(withoutLambdaFunctions(input)).toEqual({ template: input, removed: [] });
  });
});

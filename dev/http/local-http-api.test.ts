import { preflightHeaders, responseCorsHeaders } from "./cors.js";
import { matchRoute } from "./route-match.js";
import { httpApiDefinitionFrom } from "../service-definition/http-api.js";
import { readServerlessYaml } from "../service-definition/serverless-yaml.js";
import { join } from "node:path";
import { projectRoot } from "../../lib/util/project-root.js";

const definition = httpApiDefinitionFrom(readServerlessYaml(join(projectRoot(), "serverless.yml")), {
  stage: "local",
  env: {},
});

test("serverless.yml's HTTP API as the local server reads it", () => {
  expect(definition.routes.map((r) => [r.method, r.path, r.functionKey, r.authorizer])).toEqual([
    ["GET", "/accounts/{id}/pipeline", "accountPipeline", "accessToken"],
    ["POST", "/notes", "postNote", "accessToken"],
  ]);
  expect(definition.authorizers.accessToken).toMatchObject({
    functionKey: "authorizer",
    identitySource: ["$request.header.Authorization"],
    resultTtlInSeconds: 300,
  });
  expect(definition.cors?.allowedOrigins).toEqual(["http://localhost:3000"]);
  expect(definition.functionEnv.authorizer).toMatchObject({ KJP_HTTP_AUDIENCE: "kinesis-jwt-pipeline-http" });
});

test("route matching: parameters, methods, literals first", () => {
  const r = matchRoute(definition.routes, "GET", "/accounts/acc_1/pipeline");
  expect(r).toMatchObject({ route: { functionKey: "accountPipeline" }, pathParameters: { id: "acc_1" } });
  expect(matchRoute(definition.routes, "POST", "/accounts/acc_1/pipeline")).toBeUndefined();
  expect(matchRoute(definition.routes, "GET", "/accounts//pipeline")).toBeUndefined();
  expect(matchRoute(definition.routes, "GET", "/accounts/a/b/pipeline")).toBeUndefined();
  const routes = [
    { method: "GET", path: "/a/{x}", functionKey: "param", handler: "" },
    { method: "GET", path: "/a/b", functionKey: "literal", handler: "" },
  ];
  expect(matchRoute(routes, "GET", "/a/b")?.route.functionKey).toBe("literal");
});

test("CORS: only the configured origin and methods get allow headers", () => {
  const cors = definition.cors!;
  expect(preflightHeaders(cors, "http://localhost:3000", "POST")).toMatchObject({
    "access-control-allow-origin": "http://localhost:3000",
    "access-control-allow-headers": "authorization,content-type",
  });
  expect(preflightHeaders(cors, "https://evil.example", "GET")).toEqual({});
  expect(preflightHeaders(cors, "http://localhost:3000", "DELETE")).toEqual({});
  expect(responseCorsHeaders(cors, "https://evil.example")).toEqual({});
  expect(responseCorsHeaders(cors, undefined)).toEqual({});
});

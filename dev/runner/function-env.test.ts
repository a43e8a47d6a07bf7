import { join } from "node:path";
import { inlineSignaturesFor } from "../../lib/config/signature-threads.js";
import { projectRoot } from "../../lib/util/project-root.js";
import { readStreamEventSettings } from "../service-definition/stream-event.js";
import { lambdaRuntimeEnv } from "./function-env.js";

describe("lambdaRuntimeEnv", () => {
  test("carries the function's memory size as Lambda sets it", () => {
    expect(lambdaRuntimeEnv({ memorySizeMb: 1024 })).toEqual({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "1024" });
  });

  test("the local consumer chooses its signature threads by serverless.yml's memory, not this machine's cores", () => {
    const settings = readStreamEventSettings(join(projectRoot(), "serverless.yml"), { stage: "local" });
    // serverless.yml gives the consumer less than two vCPUs: deployed, it verifies inline on any host.
    expect(settings.memorySizeMb).toBeLessThan(3_538);
    expect(inlineSignaturesFor(lambdaRuntimeEnv(settings), 8)).toBe(true);
    expect(inlineSignaturesFor(lambdaRuntimeEnv({ memorySizeMb: 4_096 }), 1)).toBe(false);
  });
});

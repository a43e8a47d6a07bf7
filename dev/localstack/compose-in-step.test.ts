import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { projectRoot } from "../../lib/util/project-root.js";
import { LOCALSTACK_SERVICES, localStackEnv } from "./start.js";

/** docker-compose.yml's LocalStack and host mode's must be the same release with the same settings. */
const compose = parse(readFileSync(join(projectRoot(), "docker-compose.yml"), "utf8")) as {
  services: { localstack: { image: string; environment: Record<string, string> } };
};
const { image, environment } = compose.services.localstack;
const host = localStackEnv(4566, "/tmp/ls", LOCALSTACK_SERVICES);

test("the image is the release the lock file pins", () => {
  const pinned = /localstack-core\[runtime\]==([\d.]+)/.exec(
    readFileSync(join(projectRoot(), "dev/localstack/requirements.in"), "utf8"),
  )?.[1];
  expect(image).toBe(`localstack/localstack:${pinned}`);
});

test("services and the settings that change behaviour agree with host mode", () => {
  for (const name of [
    "SERVICES",
    "LOCALSTACK_HOST",
    "SQS_ENDPOINT_STRATEGY",
    "KINESIS_MOCK_VERSION",
    "KINESIS_LATENCY",
    "DISABLE_EVENTS",
  ])
    expect([name, String(environment[name])]).toEqual([name, host[name]]);
  // Deprecated in 4.x and ignored: kinesis-mock is the only provider.
  expect(environment).not.toHaveProperty("KINESIS_PROVIDER");
});

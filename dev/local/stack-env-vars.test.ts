import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadKeySet } from "../../lib/envelope/keysets/load-key-set.js";
import { createLocalProducer, LOCAL_AUDIENCE, stackEnvVars } from "./stack-env-vars.js";

describe("stackEnvVars", () => {
  test("every setting a kjp command reads, with the destination and log group from the stream event", async () => {
    const producer = await createLocalProducer(mkdtempSync(join(tmpdir(), "kjp-producer-")));
    const vars = stackEnvVars({
      stack: { AWS_ENDPOINT_URL_S3: "http://127.0.0.1:5000", AWS_REGION: "us-east-1" },
      resources: { KJP_STREAM_NAME: "events", KJP_ONFAILURE_QUEUE_URL: "http://127.0.0.1:5000/q" },
      consumer: { functionName: "svc-local-consumer", onFailure: { type: "sqs" } },
      audience: LOCAL_AUDIENCE,
      producer,
    });
    expect(vars).toMatchObject({
      AWS_ENDPOINT_URL_S3: "http://127.0.0.1:5000",
      KJP_LOCAL_STACK: "1",
      KJP_STREAM: "events",
      KJP_STREAM_NAME: "events",
      KJP_ONFAILURE_DESTINATION: "sqs",
      KJP_CONSUMER_LOG_GROUP: "/aws/lambda/svc-local-consumer",
      KJP_AUDIENCE: "kinesis-jwt-pipeline",
      KJP_ISSUER: "local-crm-rails",
      KJP_SIGNING_KEY: producer.signingKeyFile,
    });
    // The issuers' key set is the producer's public key, as a bare path (the one grammar).
    const [issuer] = JSON.parse(vars.KJP_ISSUERS!) as Array<{ issuer: string; keys: string }>;
    const kid = (JSON.parse(readFileSync(producer.signingKeyFile, "utf8")) as { kid: string }).kid;
    expect(await loadKeySet(issuer!.keys).resolve(kid)).toMatchObject({ kid });
    expect(statSync(producer.signingKeyFile).mode & 0o777).toBe(0o600);
  });
});

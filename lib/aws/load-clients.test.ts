import { jest } from "@jest/globals";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { loadClients } from "./load-clients.js";

describe("loadClients", () => {
  test("builds only the named clients; reading another is an error that says so", async () => {
    const aws = await loadClients(["dynamodb", "dynamodb"]);
    try {
      expect(aws.loaded).toEqual(["dynamodb"]);
      expect(aws.clients.dynamodb).toBeInstanceOf(DynamoDBClient);
      expect(() => aws.clients.sqs).toThrow("the sqs client was not loaded: name it to loadClients");
    } finally {
      aws.destroy();
    }
  });

  test("a client that cannot be built fails the call, and the ones built are closed", async () => {
    const saved = { ...process.env };
    const destroy = jest.spyOn(DynamoDBClient.prototype, "destroy");
    try {
      // The local-stack guard refuses a client with no loopback endpoint: SQS here.
      process.env.KJP_LOCAL_STACK = "1";
      process.env.AWS_ENDPOINT_URL_DYNAMODB = "http://127.0.0.1:8000";
      delete process.env.AWS_ENDPOINT_URL_SQS;
      delete process.env.AWS_ENDPOINT_URL;
      await expect(loadClients(["dynamodb", "sqs"])).rejects.toThrow(/refusing to call real AWS for SQS/);
      expect(destroy).toHaveBeenCalledTimes(1);
    } finally {
      destroy.mockRestore();
      process.env = saved;
    }
  });
});

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
});

import type { ServiceClients, ServiceName } from "../aws/load-clients.js";
import { clientsFor, selectSource, type SourceContext, type SourceSelection } from "./source-selection.js";

/** Clients that only note which of them selectSource reads (sources call nothing until iterated). */
function recordingClients(): { clients: ServiceClients; read: Set<ServiceName> } {
  const read = new Set<ServiceName>();
  const clients = {} as ServiceClients;
  for (const name of ["dynamodb", "kinesis", "sqs", "s3", "logs"] as ServiceName[])
    Object.defineProperty(clients, name, {
      get: () => {
        read.add(name);
        return { send: () => Promise.reject(new Error("not called")) };
      },
    });
  return { clients, read };
}

const env = {
  KJP_ONFAILURE_DESTINATION: "sqs",
  KJP_ONFAILURE_QUEUE_URL: "http://127.0.0.1:1/000000000000/on-failure",
  KJP_CONSUMER_LOG_GROUP: "/aws/lambda/kjp-consumer",
};

describe("clientsFor names exactly the clients selectSource reads", () => {
  const cases: Array<[string, SourceSelection, Pick<SourceContext, "streamName" | "env">, ServiceName[]]> = [
    ["ledger", { from: "ledger" }, { env }, ["dynamodb"]],
    [
      "ledger, re-reading from the stream",
      { from: "ledger" },
      { env, streamName: "s" },
      ["dynamodb", "kinesis"],
    ],
    ["on-failure queue", { from: "onfailure" }, { env }, ["sqs", "kinesis"]],
    ["on-failure bucket", { from: "onfailure", bucket: "b" }, { env }, ["s3"]],
    [
      "on-failure, declared s3",
      { from: "onfailure" },
      { env: { ...env, KJP_ONFAILURE_DESTINATION: "s3", KJP_ONFAILURE_BUCKET: "b" } },
      ["s3"],
    ],
    ["cloudwatch", { from: "cloudwatch" }, { env }, ["logs"]],
    [
      "cloudwatch, re-reading from the stream",
      { from: "cloudwatch" },
      { env, streamName: "s" },
      ["logs", "kinesis"],
    ],
  ];
  test.each(cases)("%s", (_, selection, ctx, expected) => {
    const { clients, read } = recordingClients();
    selectSource(selection, { clients, ledgerTable: "ledger", filters: {}, ...ctx });
    expect([...read].sort()).toEqual([...expected].sort());
    expect(clientsFor(selection, ctx).sort()).toEqual([...expected].sort());
  });

  test("an unknown on-failure destination is refused before any client is named", () => {
    expect(() => clientsFor({ from: "onfailure" }, { env: {} })).toThrow(
      /on-failure destination is not known/,
    );
  });
});

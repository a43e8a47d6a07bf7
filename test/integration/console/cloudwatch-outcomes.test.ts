import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { randomBytes } from "node:crypto";
import { clientSettings } from "../../../lib/aws/client-settings.js";
import { cloudWatchOutcomes } from "../../../dev/console/cloudwatch-outcomes.js";

/** The console's CloudWatch reader against moto: the metric names and dimension the consumer emits. */
const cw = new CloudWatchClient(clientSettings({}, "CLOUDWATCH"));
afterAll(() => cw.destroy());

test("reads the consumer's per-batch outcome metrics back as sums per minute", async () => {
  const namespace = `kjp-test-${randomBytes(3).toString("hex")}`;
  const source = { namespace, service: "kinesis-jwt-pipeline" };
  const minute = Math.floor(Date.now() / 60_000) * 60_000 - 5 * 60_000;
  const put = (name: string, value: number, at: number, service = source.service) =>
    cw.send(
      new PutMetricDataCommand({
        Namespace: namespace,
        MetricData: [
          {
            MetricName: name,
            Value: value,
            Unit: "Count",
            Timestamp: new Date(at),
            Dimensions: [{ Name: "service", Value: service }],
          },
        ],
      }),
    );
  // Two batches in one minute, one in the next; another service's metrics are not ours.
  await put("processed", 90, minute + 5_000);
  await put("processed", 10, minute + 40_000);
  await put("duplicate", 3, minute + 40_000);
  await put("processed", 7, minute + 65_000);
  await put("rejected", 2, minute + 65_000);
  await put("processed", 1000, minute + 10_000, "someone-else");

  const out = await cloudWatchOutcomes(cw, source, minute, minute + 119_000);
  expect(out.minutes).toEqual([
    new Date(minute).toISOString().slice(0, 16),
    new Date(minute + 60_000).toISOString().slice(0, 16),
  ]);
  expect(out.counts.processed).toEqual([100, 7]);
  expect(out.counts.duplicate).toEqual([3, 0]);
  expect(out.counts.rejected).toEqual([0, 2]);
  expect(out.counts.failed).toEqual([0, 0]);
});

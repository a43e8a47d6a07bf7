import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { KinesisStreamEvent } from "aws-lambda";
import { parseOnFailureRecord, payloadRecords } from "./onfailure-record.js";
import type { ReplayCandidate, ReplayFilters } from "./types.js";

export interface S3SourceOptions {
  s3: S3Client;
  bucket: string;
  /** Key prefix, e.g. `aws/lambda/<ESM UUID>/` or `aws/lambda/<ESM UUID>/shardId-000000000000/2026/11/25/`. */
  prefix?: string;
  filters?: ReplayFilters;
  /** Delete each object once its records replayed (default: keep; the bucket's lifecycle expires them). */
  deleteReplayed?: boolean;
  limit?: number;
}

/**
 * On-failure objects in S3: each carries the invocation payload, so the records come from the object itself
 * and replay works after the stream's retention has passed.
 */
export async function* onFailureS3Source(options: S3SourceOptions): AsyncGenerator<ReplayCandidate> {
  let token: string | undefined;
  let left = options.limit ?? 10_000;
  do {
    const listed = await options.s3.send(
      new ListObjectsV2Command({
        Bucket: options.bucket,
        ...(options.prefix ? { Prefix: options.prefix } : {}),
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    for (const object of listed.Contents ?? []) {
      if (left <= 0) return;
      const key = object.Key ?? "";
      // The key ends in the time of failure (…/YYYY-MM-DDTHH.MM.SS-uuid): skip objects outside the window unread.
      const stamped = keyTime(key);
      if (stamped && options.filters?.since && stamped < options.filters.since.slice(0, 19)) continue;
      if (stamped && options.filters?.until && stamped > options.filters.until.slice(0, 19)) continue;
      left--;
      yield await s3Candidate(options, key);
    }
    token = listed.IsTruncated ? listed.NextContinuationToken : undefined;
  } while (token && left > 0);
}

/** `2026-11-25T02.30.53` of `…/2026-11-25T02.30.53-<uuid>` as `2026-11-25T02:30:53`. */
export function keyTime(key: string): string | undefined {
  const match = /(\d{4}-\d\d-\d\dT\d\d)\.(\d\d)\.(\d\d)-[0-9a-f-]+$/.exec(key);
  return match ? `${match[1]}:${match[2]}:${match[3]}` : undefined;
}

export async function s3Candidate(
  options: Pick<S3SourceOptions, "s3" | "bucket" | "deleteReplayed">,
  key: string,
): Promise<ReplayCandidate> {
  const candidate: ReplayCandidate = {
    id: `s3:${key}`,
    provenance: { source: "onfailure-s3", bucket: options.bucket, key },
    records: [],
  };
  if (options.deleteReplayed) {
    candidate.ack = async () => {
      await options.s3.send(new DeleteObjectCommand({ Bucket: options.bucket, Key: key }));
    };
  }
  const object = await options.s3.send(new GetObjectCommand({ Bucket: options.bucket, Key: key }));
  const body = (await object.Body?.transformToString()) ?? "";
  const parsed = parseOnFailureRecord(body, "-");
  if (!parsed.ok) {
    candidate.unrecoverable = {
      code: "unreadable",
      detail: `s3://${options.bucket}/${key}: ${parsed.detail}`,
    };
    return candidate;
  }
  candidate.failedAt = parsed.record.timestamp;
  candidate.reason = parsed.record.requestContext?.condition;
  const payload = (parsed.record as { payload?: KinesisStreamEvent }).payload;
  candidate.records.push(...payloadRecords(payload, parsed.range.shardId));
  const expected = parsed.record.KinesisBatchInfo.batchSize;
  if (
    candidate.records.length === 0 ||
    (typeof expected === "number" && candidate.records.length !== expected)
  ) {
    candidate.unrecoverable = {
      code: "range_incomplete",
      detail: `s3://${options.bucket}/${key} carries ${candidate.records.length} records, KinesisBatchInfo says ${expected}`,
    };
  }
  return candidate;
}

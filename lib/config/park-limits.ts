/**
 * The consumer's own give-up point (parking, lib/pipeline/park.ts) must come before Lambda's, or Lambda
 * sends the batch to the on-failure destination first and the shard moves on past a key's older records.
 * The consumer is therefore given Lambda's limits (the same serverless.yml parameters its stream event uses)
 * and derives its own from them: they can never be inverted, whatever is configured.
 */
export interface LambdaRetryLimits {
  /** -1 = retry until the record expires. */
  maximumRetryAttempts: number;
  /** -1 = until the stream's retention trims the record. */
  maximumRecordAgeInSeconds: number;
}

export interface ParkLimits {
  parkAfterAttempts: number;
  parkAfterAgeSeconds: number;
}

/**
 * Lambda invokes a batch at most 1 + maximumRetryAttempts times: parking at attempt ≤ maximumRetryAttempts
 * leaves at least one invocation in which a failed park write can be tried again. The age limit keeps a
 * margin of up to 5 minutes (half the limit, for the shortest ones) before Lambda's record age.
 */
export function deriveParkLimits(lambda: LambdaRetryLimits, wanted: ParkLimits): ParkLimits {
  let attempts = Math.max(1, wanted.parkAfterAttempts);
  if (lambda.maximumRetryAttempts >= 0)
    attempts = Math.max(1, Math.min(attempts, lambda.maximumRetryAttempts));
  let age = Math.max(1, wanted.parkAfterAgeSeconds);
  const maxAge = lambda.maximumRecordAgeInSeconds;
  if (maxAge > 0) age = Math.max(1, Math.min(age, maxAge - Math.min(300, Math.floor(maxAge / 2))));
  return { parkAfterAttempts: attempts, parkAfterAgeSeconds: age };
}

/** True when the consumer gives up (parks) strictly before Lambda would discard the batch. */
export function parksBeforeLambdaGivesUp(lambda: LambdaRetryLimits, limits: ParkLimits): boolean {
  const attemptsOk =
    lambda.maximumRetryAttempts < 0 ||
    limits.parkAfterAttempts <= lambda.maximumRetryAttempts ||
    limits.parkAfterAttempts === 1;
  const ageOk =
    lambda.maximumRecordAgeInSeconds < 0 || limits.parkAfterAgeSeconds < lambda.maximumRecordAgeInSeconds;
  return attemptsOk && ageOk;
}

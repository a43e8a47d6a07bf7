import { durationSetting, type Env, requiredSetting, wholeNumberSetting } from "./env.js";

/** Default replay horizon: the producer's default token lifetime (7 days), so a week-old failure still replays. */
export const DEFAULT_REPLAY_HORIZON_SEC = 7 * 86_400;

/** The replay horizon (seconds past `exp` still accepted) from KJP_REPLAY_HORIZON, default 7d. */
export function horizonFromEnv(env: Env): number {
  return durationSetting(env, "KJP_REPLAY_HORIZON", DEFAULT_REPLAY_HORIZON_SEC, 0);
}

/** The scheduled replay's own settings; the rest is the consumer's configuration (consumer-config.ts). */
export interface ReplayDrainConfig {
  queueUrl: string;
  dlqUrl: string;
  maxMessages: number;
  backoffBaseSec: number;
  backoffMaxSec: number;
}

/**
 * KJP_ONFAILURE_QUEUE_URL, KJP_REPLAY_DLQ_URL, KJP_REPLAY_MAX_MESSAGES (500), KJP_REPLAY_BACKOFF_BASE_S (60),
 * KJP_REPLAY_BACKOFF_MAX_S (3600).
 */
export function replayDrainConfigFromEnv(env: Env): ReplayDrainConfig {
  return {
    queueUrl: requiredSetting(
      env,
      "KJP_ONFAILURE_QUEUE_URL",
      "set it to the on-failure queue's URL (serverless.yml: !Ref OnFailureQueue)",
    ),
    dlqUrl: requiredSetting(
      env,
      "KJP_REPLAY_DLQ_URL",
      "set it to the replay dead-letter queue's URL (serverless.yml: !Ref ReplayDlq)",
    ),
    maxMessages: wholeNumberSetting(env, "KJP_REPLAY_MAX_MESSAGES", 500, 1),
    backoffBaseSec: wholeNumberSetting(env, "KJP_REPLAY_BACKOFF_BASE_S", 60, 1),
    backoffMaxSec: wholeNumberSetting(env, "KJP_REPLAY_BACKOFF_MAX_S", 3_600, 1),
  };
}

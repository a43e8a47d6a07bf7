import { availableParallelism } from "node:os";
import { type Env, flagSetting, wholeNumberSetting } from "./env.js";

/** Lambda gives a function one vCPU's worth of time per 1,769 MB; two full vCPUs from 3,538 MB. */
const LAMBDA_MB_FOR_TWO_VCPUS = 3_538;

/**
 * Whether the verifier checks every signature inline (VerifierOptions.inlineSignatures): when this process
 * has less than two CPUs, libuv's pool cannot verify beside the main thread, and handing each token to it
 * costs CPU (bench:verify: ES256 ~80 µs of CPU per token inline against ~90-120 µs through the pool).
 * KJP_VERIFY_INLINE ("true"/"false") decides when set; else a Lambda function decides by its memory size
 * (AWS_LAMBDA_FUNCTION_MEMORY_SIZE, which Lambda sets), and any other process by its cores.
 */
export function inlineSignaturesFor(env: Env, cores: number = availableParallelism()): boolean {
  const chosen = flagSetting(env, "KJP_VERIFY_INLINE", undefined);
  if (chosen !== undefined) return chosen;
  const lambdaMb = wholeNumberSetting(env, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", undefined, 1, undefined, "MB");
  if (lambdaMb !== undefined) return lambdaMb < LAMBDA_MB_FOR_TWO_VCPUS;
  return cores < 2;
}

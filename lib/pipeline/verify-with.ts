import type { Verifier } from "../envelope/verify.js";
import type { VerifyFn } from "./types.js";

/**
 * The pipeline's verify step over a verifier. `expGraceSec` widens the exp check and nothing else (replay's
 * horizon); the live consumer uses 0.
 */
export function verifyWith(verifier: Verifier, expGraceSec = 0): VerifyFn {
  return expGraceSec > 0
    ? (token) => verifier.verify(token, { expGraceSec })
    : (token) => verifier.verify(token);
}

import type { SignInput, Signer } from "../../lib/envelope/sign.js";
import type { TokenSigner } from "../../lib/producer/types.js";
import type { PlannedMessage, SigningIdentity } from "./workload.js";

/**
 * The one Publisher signs every demo message through this: it picks each message's key (and, for the
 * expired ones, a signing time in the past) by jti, and keeps the tokens so duplicates can be put again
 * byte for byte.
 */
export class RoutingSigner implements TokenSigner {
  private readonly plans = new Map<string, PlannedMessage>();
  private readonly tokens = new Map<string, string>();

  constructor(
    private readonly signers: Record<SigningIdentity, Signer>,
    messages: readonly PlannedMessage[],
  ) {
    for (const m of messages) this.plans.set(m.request.jti, m);
  }

  async sign(input: SignInput): Promise<string> {
    const plan = input.jti === undefined ? undefined : this.plans.get(input.jti);
    if (!plan) throw new Error(`the demo signer has no plan for jti ${String(input.jti)}`);
    const token = await this.signers[plan.signer].sign(
      plan.signedAt === undefined ? input : { ...input, now: plan.signedAt },
    );
    this.tokens.set(plan.request.jti, token);
    return token;
  }

  /** The token signed for `jti`, once the publisher has signed it. */
  token(jti: string): string | undefined {
    return this.tokens.get(jti);
  }
}

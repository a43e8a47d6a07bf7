import type { VerifiedMessage } from "../lib/envelope/types.js";
import type { ContactUpsertedV2 } from "../schemas/contact-upserted.v2.js";
import { apply, refuse, type ProcessorResult } from "../lib/effects/processor.js";

/** How far past the signing time an `updatedAt` may lie: producers' clocks drift, but not by hours. */
export const CONTACT_FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

/**
 * contact.upserted → the contact's projection item. An older `updatedAt` never overwrites a newer one: the
 * Put is conditional on the stored `updatedAtMs` being older, and a failed condition means "already newer",
 * so the message is a no-op success. Timestamps are compared as epoch ms because ISO strings with different
 * offsets do not sort lexically.
 */
export function processContactUpserted(message: VerifiedMessage): ProcessorResult {
  const data = message.data as unknown as ContactUpsertedV2;
  const updatedAtMs = Date.parse(data.updatedAt);
  // A timestamp far in the future would pin the projection forever (nothing could ever be "newer").
  if (updatedAtMs > message.iat * 1000 + CONTACT_FUTURE_TOLERANCE_MS) {
    return refuse(
      `updatedAt ${data.updatedAt} is later than the message's signing time (iat ${message.iat}) allows`,
    );
  }
  return apply([
    {
      op: "put",
      key: { pk: `account#${data.accountId}`, sk: `contact#${data.contactId}` },
      attributes: {
        entity: "contact",
        contactId: data.contactId,
        accountId: data.accountId,
        email: data.email,
        givenName: data.givenName,
        familyName: data.familyName,
        ...(data.phone === undefined ? {} : { phone: data.phone }),
        tags: data.tags,
        updatedAt: data.updatedAt,
        updatedAtMs,
        sourceJti: message.jti,
      },
      condition: {
        expression: "attribute_not_exists(pk) OR updatedAtMs < :updatedAtMs",
        values: { ":updatedAtMs": updatedAtMs },
        onFailed: "skip",
      },
    },
  ]);
}

/**
 * Ledger keys. A message with a verified identity (processed, failed, or rejected after its signature verified)
 * is keyed by (iss, jti), the dedupe key of the contract; a record refused before its identity could be trusted
 * is keyed by its place in the stream.
 *
 * Each part of a key is escaped (`%` → `%25`, `#` → `%23`, a lone surrogate → `%u<hex>`) so that the `#` between parts is the only `#` in a
 * key: no two identities can share one (iss `shop` + jti `billing#X` is `msg#shop#billing%23X`, never the key
 * of iss `shop#billing` + jti `X`). A part without `%` or `#` (every issuer name, every uuid jti) is written
 * as is, so keys of well-formed identities read the same as before the escaping existed.
 */
export const keyPart = (part: string): string =>
  /[%#\uD800-\uDFFF]/.test(part)
    ? part
        .replace(/%/g, "%25")
        .replace(/#/g, "%23")
        .replace(LONE_SURROGATE, (s) => `%u${s.charCodeAt(0).toString(16)}`)
    : part;

/**
 * A UTF-16 surrogate without its pair. JSON can carry one (`"\ud800"`) inside a signed jti, but DynamoDB keeps
 * keys as UTF-8, which has no spelling for it: DynamoDB Local reads every lone surrogate in a key as `?`, so
 * the ids `\ud800x`, `\udc00x` and `?x` of three different messages would share one ledger key, and two of the
 * messages would be skipped as duplicates. Written as `%u<hex>` (the `%` of the part itself being `%25`), each
 * keeps a key of its own.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export const messageLedgerKey = (iss: string, jti: string): string => `msg#${keyPart(iss)}#${keyPart(jti)}`;
export const recordLedgerKey = (
  shardId: string,
  sequenceNumber: string,
  subSequenceNumber?: number,
): string =>
  subSequenceNumber === undefined
    ? `rec#${keyPart(shardId)}#${keyPart(sequenceNumber)}`
    : // A user record of a KPL aggregate shares its Kinesis record's sequence number with its siblings.
      `rec#${keyPart(shardId)}#${keyPart(sequenceNumber)}#${subSequenceNumber}`;

/**
 * Ledger keys. A message with a verified identity (processed, failed, or rejected after its signature verified)
 * is keyed by (iss, jti), the dedupe key of the contract; a record refused before its identity could be trusted
 * is keyed by its place in the stream.
 */
export const messageLedgerKey = (iss: string, jti: string): string => `msg#${iss}#${jti}`;
export const recordLedgerKey = (
  shardId: string,
  sequenceNumber: string,
  subSequenceNumber?: number,
): string =>
  subSequenceNumber === undefined
    ? `rec#${shardId}#${sequenceNumber}`
    : // A user record of a KPL aggregate shares its Kinesis record's sequence number with its siblings.
      `rec#${shardId}#${sequenceNumber}#${subSequenceNumber}`;

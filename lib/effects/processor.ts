import type { VerifiedMessage } from "../envelope/types.js";
import type { Effect } from "./effects.js";

/**
 * A side effect outside DynamoDB. The pipeline claims the message (a conditional in-progress marker with a
 * lease) before calling the notifier, so two concurrent deliveries do not both notify. Delivery is still
 * at-least-once if the commit after a successful notify fails: notifiers should dedupe on `idempotencyKey`.
 */
export interface Notification {
  idempotencyKey: string;
  recipients: string[];
  subject: string;
  body: string;
}

export interface Notifier {
  notify(notification: Notification): Promise<void>;
}

export type ProcessorResult =
  | { kind: "effects"; effects: Effect[]; notification?: Notification }
  /** A permanent refusal: the message is acknowledged and recorded as rejected with reason `processor`. */
  | { kind: "refused"; detail: string };

/**
 * Business logic for one message type: a pure function of the message (data already upcast to the latest
 * version of its type). Throwing means "transient, try again later"; a permanent problem is a `refused` result.
 */
export type Processor = (message: VerifiedMessage) => ProcessorResult;

/** Processors by message type (processors/index.ts builds the registry). */
export type ProcessorRegistry = ReadonlyMap<string, Processor>;

export const refuse = (detail: string): ProcessorResult => ({ kind: "refused", detail });
export const apply = (effects: Effect[], notification?: Notification): ProcessorResult =>
  notification ? { kind: "effects", effects, notification } : { kind: "effects", effects };

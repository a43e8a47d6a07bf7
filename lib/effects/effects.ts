/**
 * What a processor asks the pipeline to do: writes to the projections table, as plain data. The pipeline
 * commits them in one DynamoDB transaction together with the message's ledger marker, so a message takes
 * effect exactly once or not at all.
 */

/** A value DynamoDB can store (numbers must be finite). */
export type AttributeValueLike =
  | string
  | number
  | boolean
  | null
  | readonly AttributeValueLike[]
  | { readonly [name: string]: AttributeValueLike };

export type Attributes = Record<string, AttributeValueLike>;

/** Key of a projections table item (pk + sk). */
export interface ItemKey {
  pk: string;
  sk: string;
}

/**
 * A condition on the item an effect touches. Placeholders (`#name`, `:value`) are the processor's own; the
 * pipeline reserves those starting with `#_` and `:_`.
 *
 * `onFailed` says what a failed condition means, which only the processor knows:
 * - `skip`: the item is already newer than this message (e.g. a stale contact update): the message is applied
 *   without this effect and counts as processed.
 * - `reject`: the message cannot be applied; it is rejected permanently with reason `processor`.
 */
export interface EffectCondition {
  expression: string;
  names?: Record<string, string>;
  values?: Attributes;
  onFailed: "skip" | "reject";
}

export interface PutEffect {
  op: "put";
  key: ItemKey;
  attributes: Attributes;
  condition?: EffectCondition;
}

/**
 * SET, SET if absent, ADD (atomic counters: only correct when applied exactly once), APPEND (to a list, created
 * empty when absent: the list shows every application, in order) and REMOVE.
 */
export interface UpdateEffect {
  op: "update";
  key: ItemKey;
  set?: Attributes;
  setIfAbsent?: Attributes;
  add?: Record<string, number>;
  append?: Record<string, readonly AttributeValueLike[]>;
  remove?: string[];
  condition?: EffectCondition;
}

export interface DeleteEffect {
  op: "delete";
  key: ItemKey;
  condition?: EffectCondition;
}

export interface ConditionCheckEffect {
  op: "conditionCheck";
  key: ItemKey;
  condition: EffectCondition;
}

export type Effect = PutEffect | UpdateEffect | DeleteEffect | ConditionCheckEffect;

/** The identity of an item within the projections table, e.g. to make sure one transaction touches it once. */
export function effectItemId(effect: Effect): string {
  return `${effect.key.pk}\u0000${effect.key.sk}`;
}

import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { AttributeValueLike, Attributes } from "../effects/effects.js";

/**
 * Plain values ↔ DynamoDB AttributeValues. Kept here (a few lines) rather than pulling in a marshalling
 * dependency: the pipeline writes only strings, finite numbers, booleans, null, lists and maps.
 */
export function toAttributeValue(value: AttributeValueLike): AttributeValue {
  if (value === null) return { NULL: true };
  switch (typeof value) {
    case "string":
      return { S: value };
    case "boolean":
      return { BOOL: value };
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`DynamoDB cannot store the number ${value}`);
      return { N: String(value) };
    default:
      if (Array.isArray(value)) return { L: (value as readonly AttributeValueLike[]).map(toAttributeValue) };
      return { M: toAttributeMap(value as Attributes) };
  }
}

export function toAttributeMap(values: Attributes): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined) out[name] = toAttributeValue(value);
  }
  return out;
}

export function fromAttributeValue(value: AttributeValue): AttributeValueLike {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.L !== undefined) return value.L.map(fromAttributeValue);
  if (value.M !== undefined) return fromAttributeMap(value.M);
  if (value.SS !== undefined) return [...value.SS];
  if (value.NS !== undefined) return value.NS.map(Number);
  if (value.B !== undefined) return Buffer.from(value.B).toString("base64");
  return null;
}

export function fromAttributeMap(item: Record<string, AttributeValue>): Record<string, AttributeValueLike> {
  const out: Record<string, AttributeValueLike> = {};
  for (const [name, value] of Object.entries(item)) out[name] = fromAttributeValue(value);
  return out;
}

import type { AttributeValue, TransactWriteItem } from "@aws-sdk/client-dynamodb";
import type { Attributes, Effect, EffectCondition } from "../effects/effects.js";
import { toAttributeMap } from "./attribute-values.js";

/** Builds the expression parts of an Update from named attribute groups, with reserved `#_`/`:_` placeholders. */
export function updateExpression(parts: {
  set?: Attributes;
  setIfAbsent?: Attributes;
  add?: Record<string, number>;
  append?: Record<string, readonly Attributes[string][]>;
  remove?: string[];
}): {
  expression: string;
  names: Record<string, string>;
  values: Record<string, AttributeValue>;
} {
  const names: Record<string, string> = {};
  const values: Attributes = {};
  const sets: string[] = [];
  const adds: string[] = [];
  const removes: string[] = [];
  let i = 0;
  const name = (attr: string) => {
    const n = `#_${i}`;
    names[n] = attr;
    return n;
  };
  const value = (v: Attributes[string]) => {
    const p = `:_${i++}`;
    values[p] = v;
    return p;
  };
  for (const [attr, v] of Object.entries(parts.set ?? {})) {
    const n = name(attr);
    sets.push(`${n} = ${value(v)}`);
  }
  for (const [attr, v] of Object.entries(parts.setIfAbsent ?? {})) {
    const n = name(attr);
    sets.push(`${n} = if_not_exists(${n}, ${value(v)})`);
  }
  for (const [attr, v] of Object.entries(parts.append ?? {})) {
    const n = name(attr);
    const empty = value([]);
    sets.push(`${n} = list_append(if_not_exists(${n}, ${empty}), ${value(v)})`);
  }
  for (const [attr, v] of Object.entries(parts.add ?? {})) {
    const n = name(attr);
    adds.push(`${n} ${value(v)}`);
  }
  for (const attr of parts.remove ?? []) {
    removes.push(name(attr));
    i++;
  }
  const clauses = [
    sets.length ? `SET ${sets.join(", ")}` : "",
    adds.length ? `ADD ${adds.join(", ")}` : "",
    removes.length ? `REMOVE ${removes.join(", ")}` : "",
  ].filter(Boolean);
  if (clauses.length === 0) throw new TypeError("an update effect must set, add or remove something");
  return { expression: clauses.join(" "), names, values: toAttributeMap(values) };
}

function conditionParts(condition: EffectCondition | undefined): {
  ConditionExpression?: string;
  names?: Record<string, string>;
  values?: Record<string, AttributeValue>;
} {
  if (!condition) return {};
  for (const p of [...Object.keys(condition.names ?? {}), ...Object.keys(condition.values ?? {})]) {
    if (p.startsWith("#_") || p.startsWith(":_"))
      throw new TypeError(`condition placeholder ${p} uses the reserved prefix`);
  }
  return {
    ConditionExpression: condition.expression,
    ...(condition.names ? { names: condition.names } : {}),
    ...(condition.values ? { values: toAttributeMap(condition.values) } : {}),
  };
}

function merged<T>(
  a: Record<string, T> | undefined,
  b: Record<string, T> | undefined,
): Record<string, T> | undefined {
  const out = { ...(a ?? {}), ...(b ?? {}) };
  return Object.keys(out).length ? out : undefined;
}

/** One processor effect as an item of TransactWriteItems on the projections table. */
export function effectTransactItem(effect: Effect, tableName: string): TransactWriteItem {
  const Key = { pk: { S: effect.key.pk }, sk: { S: effect.key.sk } };
  const { ConditionExpression, names, values } = conditionParts(effect.condition);
  switch (effect.op) {
    case "put":
      return {
        Put: {
          TableName: tableName,
          Item: { ...toAttributeMap(effect.attributes), ...Key },
          ConditionExpression,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      };
    case "update": {
      const u = updateExpression(effect);
      return {
        Update: {
          TableName: tableName,
          Key,
          UpdateExpression: u.expression,
          ConditionExpression,
          ExpressionAttributeNames: merged(u.names, names),
          ExpressionAttributeValues: merged(u.values, values),
        },
      };
    }
    case "delete":
      return {
        Delete: {
          TableName: tableName,
          Key,
          ConditionExpression,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      };
    case "conditionCheck":
      return {
        ConditionCheck: {
          TableName: tableName,
          Key,
          ConditionExpression: ConditionExpression ?? effect.condition.expression,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      };
  }
}

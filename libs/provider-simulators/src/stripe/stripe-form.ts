// Stripe's request encoding: application/x-www-form-urlencoded with bracketed keys, as the official client writes
// it: line_items[0][price_data][currency]=usd, metadata[orderNo]=A1, expand[0]=payment_intent.

/** A decoded form value: a string, a nested object, or an array (keys that are all indexes). */
export type StripeFormValue = string | StripeFormObject | StripeFormValue[];
/** A decoded form object. */
export interface StripeFormObject {
  [key: string]: StripeFormValue;
}

const KEY = /^([^[\]]+)((?:\[[^[\]]*\])*)$/;
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** Thrown for a key the decoder cannot place; the message names the key, as Stripe's errors do. */
export class StripeFormError extends Error {
  constructor(readonly param: string) {
    super(`Invalid parameter name: ${param}`);
    this.name = 'StripeFormError';
  }
}

/** Decodes bracketed form pairs into nested objects and arrays. */
export function decodeStripeForm(params: URLSearchParams): StripeFormObject {
  const root: StripeFormObject = Object.create(null) as StripeFormObject;
  for (const [key, value] of params) {
    const match = KEY.exec(key);
    if (match === null) throw new StripeFormError(key);
    const path = [match[1], ...[...match[2].matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1])];
    if (path.some((segment) => FORBIDDEN.has(segment))) throw new StripeFormError(key);
    let node = root;
    for (let i = 0; i < path.length - 1; i++) {
      const segment = path[i] === '' ? String(Object.keys(node).length) : path[i];
      const next = node[segment];
      if (next === undefined) {
        const child = Object.create(null) as StripeFormObject;
        node[segment] = child;
        node = child;
      } else if (typeof next === 'object' && !Array.isArray(next)) {
        node = next;
      } else {
        throw new StripeFormError(key);
      }
    }
    const last = path[path.length - 1];
    const leaf = last === '' ? String(Object.keys(node).length) : last;
    if (typeof node[leaf] === 'object') throw new StripeFormError(key);
    node[leaf] = value;
  }
  return toArrays(root) as StripeFormObject;
}

/** Objects whose keys are exactly 0..n-1 become arrays, in index order. */
function toArrays(value: StripeFormValue): StripeFormValue {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  for (const key of keys) value[key] = toArrays(value[key]);
  const isList = keys.length > 0 && keys.every((key) => /^(0|[1-9]\d{0,3})$/.test(key) && Number(key) < keys.length);
  if (!isList) return value;
  return keys
    .map(Number)
    .sort((a, b) => a - b)
    .map((index) => value[String(index)]);
}

import { encodeJson } from '@bosun/protocol';

/**
 * The bytes `encodeJson` (packages/protocol/src/json.ts) writes, at a fraction of its cost on
 * the API's hot path: encodeJson passes a replacer to JSON.stringify, which then calls back into
 * JavaScript for every key of every answer. Here the few values AWS encodes differently (a Date
 * as epoch seconds, bytes as base64) are swapped in first, and JSON.stringify runs without a
 * replacer. A value it does not know how to walk (an object with its own toJSON) goes to
 * encodeJson itself. json-output.test.ts compares the two on every kind of value.
 */
export function encodeOutput(value: unknown): string {
  if (value === undefined) return '{}';
  const frozen = isFrozenObject(value);
  if (frozen) {
    const known = encodedFrozen.get(value);
    if (known !== undefined) return known;
  }
  const plain = plainJson(value);
  const text = plain === UNKNOWN ? encodeJson(value) : JSON.stringify(plain);
  if (frozen) encodedFrozen.set(value, text);
  return text;
}

/**
 * Answers that handlers keep and hand out again (a parameter as read from the cache) are frozen,
 * and a frozen value is taken to be unchanging all the way down: it is converted and encoded once.
 */
const encodedFrozen = new WeakMap<object, string>();
const plainFrozen = new WeakMap<object, unknown>();

function isFrozenObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && Object.isFrozen(value);
}

const UNKNOWN = Symbol('unknown');

/** The value with Dates and byte arrays encoded, sharing what needs no change; UNKNOWN when unsure. */
function plainJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value.getTime() / 1000;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const encoded = plainJson(item);
      if (encoded === UNKNOWN) return UNKNOWN;
      if (encoded !== item) (out ??= value.slice())[i] = encoded;
    }
    return out ?? value;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function' || Object.getPrototypeOf(value) !== Object.prototype) return UNKNOWN;
  if (Object.isFrozen(value)) {
    if (plainFrozen.has(value)) return plainFrozen.get(value);
    const plain = plainObject(value);
    plainFrozen.set(value, plain);
    return plain;
  }
  return plainObject(value);
}

function plainObject(value: object): unknown {
  let out: Record<string, unknown> | undefined;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const item = (value as Record<string, unknown>)[key];
    const encoded = plainJson(item);
    if (encoded === UNKNOWN) return UNKNOWN;
    if (encoded !== item) {
      out ??= { ...(value as Record<string, unknown>) };
      // "__proto__" through defineProperty, so that it stays a plain member, as in the original.
      if (key === '__proto__') Object.defineProperty(out, key, { value: encoded, enumerable: true, writable: true, configurable: true });
      else out[key] = encoded;
    }
  }
  return out ?? value;
}

/**
 * The AWS Query protocol (IAM, STS): form-encoded requests, XML responses.
 *
 * Requests: `Action=CreateUser&Version=2010-05-08&UserName=bob`; structure members are
 * dotted (`Tags.member.1.Key=team`), lists are `Name.member.N` (1-based), maps
 * `Name.entry.N.key` / `Name.entry.N.value`, an empty list is `Name=` (botocore's
 * serializer). The form is turned into the JSON-like value the model describes and then
 * validated by `decodeInput`, so both protocols share one set of constraint messages.
 *
 * Responses: `<XResponse xmlns=NS><XResult>…</XResult><ResponseMetadata><RequestId>…`,
 * list items as `<member>`, map entries as `<entry><key/><value/></entry>`, timestamps in
 * ISO 8601, booleans as true/false. Errors: `<ErrorResponse xmlns=NS><Error><Type>Sender|
 * Receiver</Type><Code/><Message/></Error><RequestId/></ErrorResponse>`. Pure: no I/O.
 */
import { awsError } from './errors.ts';
import type { ServiceModel, Shape } from './model.ts';
import { decodeInput } from './validate.ts';

/** The operation a Query request names, and its parameters without Action and Version. */
export interface QueryRequest {
  readonly action: string | undefined;
  readonly version: string | undefined;
  readonly params: ReadonlyMap<string, string>;
}

export function parseQueryBody(body: string): QueryRequest {
  const params = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(body)) params.set(k, v);
  const action = params.get('Action');
  const version = params.get('Version');
  params.delete('Action');
  params.delete('Version');
  return { action, version, params };
}

/** Form parameters → typed, validated input of `operation` (ValidationException as in JSON). */
export function decodeQueryInput(model: ServiceModel, operation: string, params: ReadonlyMap<string, string>): unknown {
  const op = model.operations[operation];
  if (!op) throw awsError('UnknownOperationException', `Unknown operation ${operation}`);
  if (!op.input) return {};
  return decodeInput(model, operation, queryToJson(model, op.input, params));
}

/** The form as the JSON value the model describes (strings converted to numbers and booleans). */
export function queryToJson(model: ServiceModel, shapeName: string, params: ReadonlyMap<string, string>): Record<string, unknown> {
  const value = readValue(model, shapeName, '', params);
  return (value && typeof value === 'object' && !Array.isArray(value) ? value : {}) as Record<string, unknown>;
}

function hasPrefix(params: ReadonlyMap<string, string>, prefix: string): boolean {
  for (const key of params.keys()) if (key.startsWith(prefix)) return true;
  return false;
}

function readValue(model: ServiceModel, shapeName: string, key: string, params: ReadonlyMap<string, string>): unknown {
  const shape = model.shapes[shapeName];
  if (!shape) return undefined;
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      for (const [member, target] of Object.entries(shape.members)) {
        const memberKey = key ? `${key}.${member}` : member;
        const v = readValue(model, target, memberKey, params);
        if (v !== undefined) out[member] = v;
      }
      return key && Object.keys(out).length === 0 && !hasPrefix(params, `${key}.`) ? undefined : out;
    }
    case 'list': {
      if (params.get(key) === '') return [];
      const items: unknown[] = [];
      for (let i = 1; hasPrefix(params, `${key}.member.${i}`); i++) items.push(readValue(model, shape.member, `${key}.member.${i}`, params));
      return items.length > 0 ? items : undefined;
    }
    case 'map': {
      const out: Record<string, unknown> = {};
      let found = false;
      for (let i = 1; hasPrefix(params, `${key}.entry.${i}.`); i++) {
        const k = params.get(`${key}.entry.${i}.key`);
        if (k === undefined) continue;
        found = true;
        out[k] = readValue(model, shape.value, `${key}.entry.${i}.value`, params);
      }
      return found ? out : undefined;
    }
    default: {
      const raw = params.get(key);
      if (raw === undefined) return undefined;
      return scalar(shape, raw);
    }
  }
}

function scalar(shape: Shape, raw: string): unknown {
  switch (shape.type) {
    case 'integer':
    case 'long':
    case 'double':
    case 'float': {
      const n = Number(raw);
      return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
    }
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    default:
      return raw;
  }
}

// ---------------------------------------------------------------------------
// XML

export function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')
    .replace(/\r/g, '&#xD;').replace(/\n/g, '&#xA;');
}

/** The XML answer of a successful Query call. */
export function encodeQueryResponse(model: ServiceModel, operation: string, output: unknown, requestId: string): string {
  const op = model.operations[operation];
  const ns = model.metadata.xmlNamespace ?? '';
  let result = '';
  if (op?.output && op.resultWrapper) {
    result = `<${op.resultWrapper}>${encodeMembers(model, op.output, output)}</${op.resultWrapper}>`;
  }
  return `<${operation}Response xmlns="${xmlEscape(ns)}">${result}<ResponseMetadata><RequestId>${xmlEscape(requestId)}</RequestId></ResponseMetadata></${operation}Response>`;
}

/** The XML error answer of a Query call; `fault` is Sender for client errors, Receiver for server errors. */
export function encodeQueryError(model: ServiceModel | undefined, error: { code: string; message: string; fault: 'client' | 'server' }, requestId: string): string {
  const ns = model?.metadata.xmlNamespace ?? '';
  const type = error.fault === 'server' ? 'Receiver' : 'Sender';
  return `<ErrorResponse xmlns="${xmlEscape(ns)}"><Error><Type>${type}</Type><Code>${xmlEscape(error.code)}</Code><Message>${xmlEscape(error.message)}</Message></Error><RequestId>${xmlEscape(requestId)}</RequestId></ErrorResponse>`;
}

function encodeMembers(model: ServiceModel, shapeName: string, value: unknown): string {
  const shape = model.shapes[shapeName];
  if (!shape || shape.type !== 'structure' || value === null || typeof value !== 'object') return '';
  let out = '';
  for (const [member, target] of Object.entries(shape.members)) {
    const v = (value as Record<string, unknown>)[member];
    if (v === undefined || v === null) continue;
    out += `<${member}>${encodeValue(model, target, v)}</${member}>`;
  }
  return out;
}

function encodeValue(model: ServiceModel, shapeName: string, value: unknown): string {
  const shape = model.shapes[shapeName];
  if (!shape) return '';
  switch (shape.type) {
    case 'structure':
      return encodeMembers(model, shapeName, value);
    case 'list':
      return Array.isArray(value) ? value.map((item) => `<member>${encodeValue(model, shape.member, item)}</member>`).join('') : '';
    case 'map':
      return value && typeof value === 'object'
        ? Object.entries(value as Record<string, unknown>).map(([k, v]) => `<entry><key>${xmlEscape(k)}</key><value>${encodeValue(model, shape.value, v)}</value></entry>`).join('')
        : '';
    case 'timestamp': {
      const date = value instanceof Date ? value : new Date(value as number);
      return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    case 'blob':
      return Buffer.from(value as Uint8Array).toString('base64');
    default:
      return xmlEscape(String(value));
  }
}

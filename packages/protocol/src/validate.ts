/**
 * Decoding and validation of AWS JSON 1.1 request bodies against a service model,
 * answering the way AWS's own (Coral) front end does:
 *
 * - A value of the wrong JSON type is a SerializationException, thrown at once, because AWS
 *   fails while deserializing, before any constraint is looked at. The messages are AWS's
 *   ("NUMBER_VALUE can not be converted to a String", "Start of list found where not
 *   expected", "Start of structure or map found where not expected.") followed by the
 *   member's path, which AWS leaves out but which makes the error actionable.
 * - Constraint violations are all collected, depth-first in member declaration order, and
 *   thrown as one ValidationException:
 *   "2 validation errors detected: Value 'x' at 'a.b' failed to satisfy constraint: ...; Value ..."
 *   Paths are member names with the first letter lower-cased; structures inside lists and
 *   maps are addressed as `tags.1.member.key` (1-based) and `items.<key>.member.name`.
 *   Scalars inside lists and maps are not reported one by one: AWS reports the whole
 *   container once, listing every constraint of the element shape, e.g.
 *   "Value '[a, b]' at 'names' failed to satisfy constraint: Member must satisfy constraint:
 *   [Member must have length less than or equal to 2048, ...]" ("Map keys must ..." and
 *   "Map value must ..." for maps).
 * - Values of sensitive shapes are never echoed: AWS writes "Value at 'password' failed ..."
 *   (no value at all), as the Smithy protocol tests for sensitive members also require.
 * - Unknown members and explicit nulls are ignored, as AWS does; a null for a required
 *   member is "Value null at 'name' failed to satisfy constraint: Member must not be null".
 *
 * - Patterns are Java regexes matched against the whole value (Pattern.matches), so an
 *   unanchored model pattern such as `tag:.+|Name` still has to cover all of the value.
 *
 * Decoded values: timestamps become Date (JSON numbers are epoch seconds; ISO-8601 strings
 * are accepted too), blobs become Buffer (from base64). A decimal sent for an integer
 * member is truncated, as Java's number coercion does (our reading; AWS does not document
 * it). Unknown members are left out. Pure: no I/O.
 */
import { type AwsError, awsError } from './errors.ts';
import type { ListShape, MapShape, NumberShape, ServiceModel, Shape, StructureShape } from './model.ts';

export function decodeInput(model: ServiceModel, operation: string, body: unknown): unknown {
  const op = model.operations[operation];
  if (!op) throw awsError('UnknownOperationException', `Unknown operation ${operation}`);
  const input = body ?? {};
  if (Array.isArray(input)) throw awsError('SerializationException', 'Start of list found where not expected');
  if (!isJsonObject(input)) throw awsError('SerializationException', 'The request body must be a JSON object');
  if (!op.input) return {};

  const service = model.metadata.endpointPrefix;
  const ctx: Context = { model, violations: [], rules: OPERATION_RULES[`${service}:${operation}`] ?? NO_RULES, enumOrder: ENUM_ORDER[service] ?? {} };
  const decoded = decodeStructure(ctx, structureShape(model, op.input), input, '');
  if (ctx.violations.length > 0) throw validationError(ctx.violations);
  return decoded;
}

interface Context {
  readonly model: ServiceModel;
  readonly violations: string[];
  readonly rules: OperationRules;
  readonly enumOrder: Readonly<Record<string, readonly string[]>>;
}

/** Where AWS's front end checks an operation's members otherwise than its model says (by error path). */
interface OperationRules {
  /**
   * Members whose own constraints AWS leaves to the operation, which answers with an error of
   * its own: an unknown ResourceType is InvalidResourceType, more than ten labels in one
   * LabelParameterVersion is ParameterVersionLabelLimitExceeded, not a ValidationException.
   */
  readonly leftToOperation?: readonly string[];
  /** Members whose maximum-length message AWS ends with a full stop ("... less than or equal to 10."). */
  readonly fullStop?: readonly string[];
  /** Minimum lengths AWS enforces that the model does not declare (PutParameter's empty Value). */
  readonly minLength?: Readonly<Record<string, number>>;
}

const NO_RULES: OperationRules = {};

/** Keyed `service:Operation`; each was seen on AWS. */
const OPERATION_RULES: Readonly<Record<string, OperationRules>> = {
  'ssm:AddTagsToResource': { leftToOperation: ['resourceType'] },
  'ssm:RemoveTagsFromResource': { leftToOperation: ['resourceType'] },
  'ssm:ListTagsForResource': { leftToOperation: ['resourceType'] },
  'ssm:LabelParameterVersion': { leftToOperation: ['labels'] },
  'ssm:GetParameters': { fullStop: ['names'] },
  'ssm:PutParameter': { minLength: { value: 1 } },
};

/** Enums whose values AWS's messages list in another order than the model's (by shape name). */
const ENUM_ORDER: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  ssm: { ParameterType: ['SecureString', 'StringList', 'String'] },
};

type JsonObject = Record<string, unknown>;

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function shapeOf(model: ServiceModel, name: string): Shape {
  const shape = model.shapes[name];
  if (!shape) throw new Error(`shape ${name} is missing from the ${model.metadata.endpointPrefix} model`);
  return shape;
}

function structureShape(model: ServiceModel, name: string): StructureShape {
  const shape = shapeOf(model, name);
  if (shape.type !== 'structure') throw new Error(`shape ${name} is not a structure`);
  return shape;
}

function validationError(violations: string[]): AwsError {
  const count = violations.length;
  return awsError('ValidationException', `${count} validation error${count === 1 ? '' : 's'} detected: ${violations.join('; ')}`);
}

const lowerFirst = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);

// ---------------------------------------------------------------------------
// Walking the value

function decodeStructure(ctx: Context, shape: StructureShape, value: JsonObject, path: string): JsonObject {
  const out: JsonObject = {};
  const required = new Set(shape.required ?? []);
  for (const [member, target] of Object.entries(shape.members)) {
    const memberPath = path ? `${path}.${lowerFirst(member)}` : lowerFirst(member);
    const raw = Object.hasOwn(value, member) ? value[member] : undefined;
    if (raw === undefined || raw === null) {
      if (required.has(member)) report(ctx, target, null, memberPath, 'Member must not be null');
      continue;
    }
    out[member] = decodeMember(ctx, target, raw, memberPath);
  }
  return out;
}

/** Decodes a value and reports its own constraint violations, before those found inside it. */
function decodeMember(ctx: Context, shapeName: string, raw: unknown, path: string): unknown {
  const at = ctx.violations.length;
  const decoded = decodeValue(ctx, shapeName, raw, path);
  if (ctx.rules.leftToOperation?.includes(path)) return decoded;
  const shape = asAwsChecksIt(ctx, shapeName, path);
  const withFullStop = ctx.rules.fullStop?.includes(path) ? lengthMax((shape as Bounds).max ?? NaN) : undefined;
  const own = constraintFailures(shape, decoded).map((c) => violation(ctx, shapeName, decoded, path, c === withFullStop ? `${c}.` : c));
  ctx.violations.splice(at, 0, ...own);
  return decoded;
}

/** The member's shape with what AWS's front end adds to the model: an enum's order, a minimum length. */
function asAwsChecksIt(ctx: Context, shapeName: string, path: string): Shape {
  const shape = shapeOf(ctx.model, shapeName);
  if (shape.type !== 'string') return shape;
  const order = shape.enum ? ctx.enumOrder[shapeName] : undefined;
  const min = ctx.rules.minLength?.[path];
  if (!order && min === undefined) return shape;
  return { ...shape, ...(order ? { enum: order } : {}), ...(min === undefined ? {} : { min }) };
}

/** Converts a JSON value to the shape's type and validates what is inside it (not itself). */
function decodeValue(ctx: Context, shapeName: string, raw: unknown, path: string): unknown {
  const shape = shapeOf(ctx.model, shapeName);
  switch (shape.type) {
    case 'structure':
      if (!isJsonObject(raw)) throw mismatch(raw, 'a Structure', path);
      return decodeStructure(ctx, shape, raw, path);
    case 'list':
      if (!Array.isArray(raw)) throw mismatch(raw, 'a List', path);
      return decodeList(ctx, shapeName, shape, raw, path);
    case 'map':
      if (!isJsonObject(raw)) throw mismatch(raw, 'a Map', path);
      return decodeMap(ctx, shapeName, shape, raw, path);
    case 'string':
      if (typeof raw !== 'string') throw mismatch(raw, 'a String', path);
      return raw;
    case 'boolean':
      if (typeof raw !== 'boolean') throw mismatch(raw, 'a Boolean', path);
      return raw;
    case 'integer':
    case 'long':
    case 'double':
    case 'float':
      return decodeNumber(shape, raw, path);
    case 'timestamp':
      return decodeTimestamp(raw, path);
    case 'blob':
      return decodeBlob(raw, path);
  }
}

function decodeList(ctx: Context, listName: string, shape: ListShape, raw: unknown[], path: string): unknown[] {
  const at = ctx.violations.length;
  const items = raw.map((item, i) => decodeElement(ctx, shape.member, item, `${path}.${i + 1}.member`));
  const failure = elementsFailure(ctx, shape.member, items, 'Member');
  if (failure) ctx.violations.splice(at, 0, violation(ctx, listName, items, path, failure));
  return items;
}

function decodeMap(ctx: Context, mapName: string, shape: MapShape, raw: JsonObject, path: string): JsonObject {
  const at = ctx.violations.length;
  // fromEntries defines keys such as "__proto__" as plain properties; assignment would not.
  const out: JsonObject = Object.fromEntries(
    Object.entries(raw).map(([key, item]) => [key, decodeElement(ctx, shape.value, item, `${path}.${key}.member`)]),
  );
  const failures = [
    elementsFailure(ctx, shape.key, Object.keys(out), 'Map keys'),
    elementsFailure(ctx, shape.value, Object.values(out), 'Map value'),
  ].filter((f): f is string => f !== undefined);
  ctx.violations.splice(at, 0, ...failures.map((f) => violation(ctx, mapName, out, path, f)));
  return out;
}

/**
 * An element of a list or a map value. Structures report their members' violations under
 * the element's path; the element's own constraints are checked by elementsFailure.
 */
function decodeElement(ctx: Context, shapeName: string, item: unknown, path: string): unknown {
  if (item !== null) return decodeValue(ctx, shapeName, item, path);
  if (shapeOf(ctx.model, shapeName).type === 'structure') report(ctx, shapeName, null, path, 'Member must not be null');
  return null;
}

/** The container-level message when some element breaks a constraint of the element shape. */
function elementsFailure(ctx: Context, shapeName: string, items: unknown[], subject: string): string | undefined {
  const shape = shapeOf(ctx.model, shapeName);
  if (shape.type === 'structure') return undefined; // reported member by member instead
  const hasNull = items.some((item) => item === null);
  const failing = hasNull || items.some((item) => constraintFailures(shape, item).length > 0);
  if (!failing) return undefined;
  const constraints = [...allConstraints(shape), ...(hasNull ? ['Member must not be null'] : [])];
  return `${subject} must satisfy constraint: [${constraints.join(', ')}]`;
}

// ---------------------------------------------------------------------------
// Scalars

/** The JSON token names AWS uses in "X can not be converted to Y". */
function jsonToken(raw: unknown): string {
  if (typeof raw === 'string') return 'STRING_VALUE';
  if (typeof raw === 'number') return 'NUMBER_VALUE';
  if (raw === true) return 'TRUE_VALUE';
  if (raw === false) return 'FALSE_VALUE';
  return 'VALUE';
}

function mismatch(raw: unknown, target: string, path: string): AwsError {
  const where = ` (at '${path}')`;
  if (Array.isArray(raw)) return awsError('SerializationException', `Start of list found where not expected${where}`);
  if (typeof raw === 'object' && raw !== null) {
    return awsError('SerializationException', `Start of structure or map found where not expected.${where}`);
  }
  return awsError('SerializationException', `${jsonToken(raw)} can not be converted to ${target}${where}`);
}

const INT32 = { min: -2147483648, max: 2147483647 };

function decodeNumber(shape: NumberShape, raw: unknown, path: string): number {
  const target = { integer: 'an Integer', long: 'a Long', double: 'a Double', float: 'a Float' }[shape.type];
  if (typeof raw !== 'number' || !Number.isFinite(raw)) throw mismatch(raw, target, path);
  if (shape.type === 'double' || shape.type === 'float') return raw;
  // Java's coercion of a JSON decimal to an integral type drops the fraction.
  const value = Math.trunc(raw);
  if (shape.type === 'integer' && (value < INT32.min || value > INT32.max)) throw mismatch(raw, target, path);
  return value;
}

const ISO_8601 = /^(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)([Zz]|[+-]\d{2}:?\d{2})?)?$/;

function decodeTimestamp(raw: unknown, path: string): Date {
  if (typeof raw === 'number' && Number.isFinite(raw)) return new Date(raw * 1000);
  if (typeof raw !== 'string') throw mismatch(raw, 'a Date', path);
  const match = ISO_8601.exec(raw);
  // A time without an offset is UTC (JS would otherwise read it as local time).
  const zone = match?.[3] ? match[3].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2') : 'Z';
  const date = match ? new Date(match[2] ? `${match[1]}T${match[2]}${zone}` : match[1]) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw awsError('SerializationException', `Timestamp is neither epoch seconds nor ISO-8601 (at '${path}')`);
  }
  return date;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

function decodeBlob(raw: unknown, path: string): Buffer {
  if (typeof raw !== 'string') throw mismatch(raw, 'a ByteBuffer', path);
  if (!BASE64.test(raw)) throw awsError('SerializationException', `Base64 encoded value is malformed (at '${path}')`);
  return Buffer.from(raw, 'base64');
}

// ---------------------------------------------------------------------------
// Constraints

const lengthMax = (n: number): string => `Member must have length less than or equal to ${n}`;
const lengthMin = (n: number): string => `Member must have length greater than or equal to ${n}`;
const valueMax = (n: number): string => `Member must have value less than or equal to ${n}`;
const valueMin = (n: number): string => `Member must have value greater than or equal to ${n}`;
const patternConstraint = (p: string): string => `Member must satisfy regular expression pattern: ${p}`;
const enumConstraint = (values: readonly string[]): string => `Member must satisfy enum value set: [${values.join(', ')}]`;

interface Bounds {
  readonly min?: number;
  readonly max?: number;
}
type BoundMessage = (n: number) => string;

function broken(measure: number, bounds: Bounds, max: BoundMessage, min: BoundMessage): string[] {
  if (bounds.max !== undefined && measure > bounds.max) return [max(bounds.max)];
  if (bounds.min !== undefined && measure < bounds.min) return [min(bounds.min)];
  return [];
}

function declared(bounds: Bounds, max: BoundMessage, min: BoundMessage): string[] {
  return [...(bounds.max === undefined ? [] : [max(bounds.max)]), ...(bounds.min === undefined ? [] : [min(bounds.min)])];
}

/**
 * The constraints a decoded value breaks, one message each. Length is counted as AWS
 * does: characters (Unicode code points, per Smithy's length trait) for strings, bytes
 * for blobs, entries for lists and maps. When a value breaks both its pattern and its
 * length, AWS names the pattern first (e.g. DynamoDB's "Value '' at 'tableName' ...
 * regular expression pattern: ...; Value '' at 'tableName' ... length ...").
 */
function constraintFailures(shape: Shape, value: unknown): string[] {
  switch (shape.type) {
    case 'string': {
      if (typeof value !== 'string') return [];
      const regex = shape.pattern === undefined ? undefined : compileJavaPattern(shape.pattern);
      return [
        ...(regex && !regex.test(value) ? [patternConstraint(shape.pattern!)] : []),
        ...(shape.enum && !shape.enum.includes(value) ? [enumConstraint(shape.enum)] : []),
        ...broken([...value].length, shape, lengthMax, lengthMin),
      ];
    }
    case 'blob':
      return value instanceof Uint8Array ? broken(value.byteLength, shape, lengthMax, lengthMin) : [];
    case 'list':
      return Array.isArray(value) ? broken(value.length, shape, lengthMax, lengthMin) : [];
    case 'map':
      return isJsonObject(value) ? broken(Object.keys(value).length, shape, lengthMax, lengthMin) : [];
    case 'integer':
    case 'long':
    case 'double':
    case 'float':
      return typeof value === 'number' ? broken(value, shape, valueMax, valueMin) : [];
    default:
      return [];
  }
}

/** Every constraint of a shape, in the order AWS lists them inside "[...]": max, min, pattern, enum. */
function allConstraints(shape: Shape): string[] {
  switch (shape.type) {
    case 'string':
      return [
        ...declared(shape, lengthMax, lengthMin),
        ...(shape.pattern === undefined ? [] : [patternConstraint(shape.pattern)]),
        ...(shape.enum ? [enumConstraint(shape.enum)] : []),
      ];
    case 'blob':
    case 'list':
    case 'map':
      return declared(shape, lengthMax, lengthMin);
    case 'integer':
    case 'long':
    case 'double':
    case 'float':
      return declared(shape, valueMax, valueMin);
    default:
      return [];
  }
}

// ---------------------------------------------------------------------------
// Messages

function report(ctx: Context, shapeName: string, value: unknown, path: string, constraint: string): void {
  ctx.violations.push(violation(ctx, shapeName, value, path, constraint));
}

/** "Value 'x' at 'path' failed to satisfy constraint: ..." ("Value null", or just "Value" when sensitive). */
function violation(ctx: Context, shapeName: string, value: unknown, path: string, constraint: string): string {
  const rendered = render(ctx.model, shapeName, value);
  const subject = rendered === undefined ? 'Value' : value === null ? 'Value null' : `Value '${rendered}'`;
  return `${subject} at '${path}' failed to satisfy constraint: ${constraint}`;
}

/**
 * A value as Java's toString writes it in AWS messages ([a, b], {k=v},
 * java.nio.HeapByteBuffer[...] for blobs), or undefined if any part of it is sensitive.
 */
function render(model: ServiceModel, shapeName: string | undefined, value: unknown): string | undefined {
  const shape = shapeName === undefined ? undefined : model.shapes[shapeName];
  if (shape?.sensitive) return undefined;
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return `java.nio.HeapByteBuffer[pos=0 lim=${value.byteLength} cap=${value.byteLength}]`;
  if (Array.isArray(value)) {
    const items = value.map((item) => render(model, shape?.type === 'list' ? shape.member : undefined, item));
    return items.includes(undefined) ? undefined : `[${items.join(', ')}]`;
  }
  if (isJsonObject(value)) {
    if (shape?.type === 'map' && model.shapes[shape.key]?.sensitive) return undefined;
    const entries = Object.entries(value).map(([key, item]) => {
      const itemShape = shape?.type === 'map' ? shape.value : shape?.type === 'structure' ? shape.members[key] : undefined;
      const text = render(model, itemShape, item);
      return text === undefined ? undefined : `${key}=${text}`;
    });
    return entries.includes(undefined) ? undefined : `{${entries.join(', ')}}`;
  }
  return String(value);
}

// ---------------------------------------------------------------------------
// Java regular expressions

/**
 * Compiled patterns by their Java source; null marks one that could not be translated or
 * compiled. Such a pattern is skipped (not enforced) rather than failing every request:
 * being more lenient than AWS on an exotic pattern beats rejecting valid input.
 */
const patternCache = new Map<string, RegExp | null>();

/**
 * A Java regular expression (as found in AWS models) as a JS RegExp that matches whole
 * values only, or undefined if it cannot be translated. Cached.
 */
export function compileJavaPattern(pattern: string): RegExp | undefined {
  let regex = patternCache.get(pattern);
  if (regex === undefined) {
    regex = compile(pattern) ?? null;
    patternCache.set(pattern, regex);
  }
  return regex ?? undefined;
}

function compile(pattern: string): RegExp | undefined {
  const translated = translateJavaRegex(pattern);
  if (!translated) return undefined;
  // AWS matches the whole value (Java's Pattern.matches), hence the anchors.
  const source = `^(?:${translated.source})$`;
  // The u flag gives Java's code-point semantics (\p{L}, surrogate pairs in classes); a
  // pattern that is only valid without it (e.g. an octal escape) is retried without it,
  // unless it needs \p{...}, which would silently mean something else there.
  const attempts = translated.needsUnicode ? ['u'] : ['u', ''];
  for (const flag of attempts) {
    try {
      return new RegExp(source, translated.flags + flag);
    } catch {
      // try the next flag set
    }
  }
  return undefined;
}

interface Translation {
  readonly source: string;
  readonly flags: string;
  readonly needsUnicode: boolean;
}

/** Escapes Java and JS read the same way. \a and \e exist only in Java and are rewritten. */
const SHARED_ESCAPES = /[dDsSwWbBtnrfxuck0-9]/;
const JAVA_ONLY_ESCAPES: Readonly<Record<string, string>> = { a: '\\x07', e: '\\x1b' };
const CLASS_ESCAPE_AHEAD = /^\\[dDsSwWpP]/;

/** A literal character, escaped as JS needs it in or out of a character class. */
function literal(ch: string, inClass: boolean): string {
  return (inClass ? /[\\\]\[^-]/ : /[\\^$.*+?()[\]{}|/]/).test(ch) ? `\\${ch}` : ch;
}

/**
 * Rewrites the parts of Java's regex syntax that JS reads differently or not at all:
 * leading inline flags ((?i), (?s)), \A \z \Z, \Q...\E, possessive quantifiers (made
 * greedy: they only differ in backtracking), identity escapes of ordinary characters
 * (\: is an error under the u flag), a '-' next to a class escape ([\w-/] is a literal
 * '-' in Java), and \pL. Returns undefined for what it cannot translate (nested classes,
 * intersections, inline flags mid-pattern, Java-only escapes such as \h).
 */
function translateJavaRegex(java: string): Translation | undefined {
  let flags = '';
  let i = 0;
  const lead = /^\(\?([a-zA-Z]+)\)/.exec(java);
  if (lead) {
    for (const f of lead[1]) {
      if (f === 'i' || f === 's' || f === 'm') flags += f;
      else if (f !== 'u') return undefined; // u (Unicode case folding) is what the u flag does
    }
    i = lead[0].length;
  }
  let out = '';
  let inClass = false;
  let needsUnicode = false;
  let afterClassEscape = false;
  while (i < java.length) {
    const c = java[i];
    const rest = java.slice(i);
    if (c === '\\') {
      const next = java[i + 1];
      if (next === undefined) return undefined;
      if (next === 'Q') {
        const end = java.indexOf('\\E', i + 2);
        const text = java.slice(i + 2, end < 0 ? undefined : end);
        out += [...text].map((ch) => literal(ch, inClass)).join('');
        i = end < 0 ? java.length : end + 2;
      } else if (next === 'p' || next === 'P') {
        const m = /^\\[pP](\{[^}]*\}|[A-Za-z])/.exec(rest);
        if (!m) return undefined;
        out += `\\${next}${m[1].startsWith('{') ? m[1] : `{${m[1]}}`}`;
        needsUnicode = true;
        i += m[0].length;
      } else if (!inClass && (next === 'A' || next === 'z' || next === 'Z')) {
        out += next === 'A' ? '^' : next === 'z' ? '$' : '(?=\\n?$)';
        i += 2;
      } else if (/[A-Za-z0-9]/.test(next)) {
        const escape = SHARED_ESCAPES.test(next) ? `\\${next}` : JAVA_ONLY_ESCAPES[next];
        if (!escape) return undefined;
        out += escape;
        i += 2;
      } else {
        out += literal(next, inClass);
        i += 2;
      }
      afterClassEscape = inClass && /^\\[dDsSwWpP]/.test(rest);
      continue;
    }
    if (inClass) {
      if (c === '[' || (c === '&' && java[i + 1] === '&')) return undefined;
      if (c === ']') inClass = false;
      out += c === '-' && (afterClassEscape || CLASS_ESCAPE_AHEAD.test(java.slice(i + 1))) ? '\\-' : c;
      afterClassEscape = false;
      i += 1;
      continue;
    }
    if (c === '[') {
      inClass = true;
      const negated = java[i + 1] === '^';
      out += negated ? '[^' : '[';
      i += negated ? 2 : 1;
      continue;
    }
    if (c === '(' && java[i + 1] === '?') {
      // Groups JS knows; (?>...) (atomic) is read as (?:...), a greedy approximation.
      const m = /^\(\?(?::|=|!|<=|<!|<[A-Za-z][A-Za-z0-9]*>|>)/.exec(rest);
      if (!m) return undefined;
      out += m[0] === '(?>' ? '(?:' : m[0];
      i += m[0].length;
      continue;
    }
    const quantifier = /^(?:[*+?]|\{\d+(?:,\d*)?\})/.exec(rest);
    if (quantifier) {
      out += quantifier[0];
      i += quantifier[0].length;
      if (java[i] === '+') i += 1; // possessive: same matches, different backtracking
      continue;
    }
    out += c === '{' || c === '}' || c === ']' ? `\\${c}` : c;
    i += 1;
  }
  if (inClass) return undefined;
  return { source: out, flags, needsUnicode };
}

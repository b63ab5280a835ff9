import net from 'node:net';
import type { ConditionClause, PolicyDocument, Statement } from './document.ts';

/**
 * Policy evaluation as AWS documents it for identity-based policies within one account
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
 * an explicit Deny in any statement that applies wins; otherwise an Allow that applies
 * allows; otherwise the request is implicitly denied. A statement applies when its
 * action, resource and every condition match. Pure: no I/O (node:net only parses addresses).
 */

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

/** What a request brings to the evaluation: the action, the resource, and its context keys. */
export interface AuthzRequest {
  /** e.g. ssm:GetParameter */
  readonly action: string;
  /** The resource ARN, or "*". */
  readonly resource: string;
  /** Context keys, lower-cased (condition keys are case-insensitive), to their values. */
  readonly context: ReadonlyMap<string, readonly string[]>;
}

export interface EvaluationResult {
  readonly decision: Decision;
  /** The statement that decided (the deny, or the first allow). */
  readonly statement?: Statement;
}

/** Context keys that hold several values even with one element (AWS's multivalued keys). */
const MULTIVALUED = new Set(['aws:tagkeys', 'aws:principalorgpaths', 'aws:calledvia']);

export function evaluate(policies: readonly PolicyDocument[], request: AuthzRequest): EvaluationResult {
  let allow: Statement | undefined;
  const action = request.action.toLowerCase();
  for (const policy of policies) {
    for (const statement of policy.statements) {
      if (statement.effect === 'Allow' && allow) continue; // only a deny could still change the outcome
      if (!statementApplies(policy, statement, action, request)) continue;
      if (statement.effect === 'Deny') return { decision: 'ExplicitDeny', statement };
      allow = statement;
    }
  }
  return allow ? { decision: 'Allow', statement: allow } : { decision: 'ImplicitDeny' };
}

export function statementApplies(policy: PolicyDocument, statement: Statement, action: string, request: AuthzRequest): boolean {
  const actionMatch = statement.actionMatchers.some((regex) => regex.test(action));
  if (actionMatch === statement.notAction) return false;
  const resourceMatch = statement.resources.some((pattern, i) => {
    if (pattern === '*') return true;
    const compiled = statement.resourceMatchers[i] ?? patternRegex(policy, pattern, request.context, false);
    return compiled !== undefined && compiled.test(request.resource);
  });
  if (resourceMatch === statement.notResource) return false;
  return statement.conditions.every((clause) => conditionHolds(policy, clause, request.context));
}

// ---------------------------------------------------------------------------
// Wildcards and policy variables

const regexCache = new Map<string, RegExp>();

/** `*` matches any run of characters, `?` one character; matching covers the whole value. */
export function globMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let regex = regexCache.get(key);
  if (!regex) {
    regex = new RegExp(`^${globSource(pattern)}$`, ignoreCase ? 'is' : 's');
    if (regexCache.size > 10_000) regexCache.clear();
    regexCache.set(key, regex);
  }
  return regex.test(value);
}

function globSource(text: string): string {
  return text.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const VARIABLE = /\$\{([^}]*)\}/g;

/**
 * A pattern with its policy variables replaced by the request's values (as literals), or
 * undefined when a variable has no value and no default: AWS then treats the element as
 * not matching (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html).
 * Variables exist only in Version 2012-10-17 policies; in 2008-10-17 `${...}` is literal text.
 */
function patternRegex(policy: PolicyDocument, pattern: string, context: AuthzRequest['context'], ignoreCase: boolean): RegExp | undefined {
  if (policy.version !== '2012-10-17' || !pattern.includes('${')) {
    const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
    let regex = regexCache.get(key);
    if (!regex) {
      regex = new RegExp(`^${globSource(pattern)}$`, ignoreCase ? 'is' : 's');
      regexCache.set(key, regex);
    }
    return regex;
  }
  let source = '';
  let last = 0;
  for (const match of pattern.matchAll(VARIABLE)) {
    source += globSource(pattern.slice(last, match.index));
    const value = variableValue(match[1], context);
    if (value === undefined) return undefined;
    source += escapeRegex(value);
    last = match.index + match[0].length;
  }
  source += globSource(pattern.slice(last));
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's');
}

/** `${aws:username}`, `${aws:PrincipalTag/team, 'none'}` (default), and the literals `${*}`, `${?}`, `${$}`. */
function variableValue(inner: string, context: AuthzRequest['context']): string | undefined {
  const trimmed = inner.trim();
  if (trimmed === '*' || trimmed === '?' || trimmed === '$') return trimmed;
  const withDefault = /^([^,]+?)\s*,\s*'([^']*)'$/.exec(trimmed);
  const key = (withDefault ? withDefault[1] : trimmed).toLowerCase();
  const values = context.get(key);
  if (values && values.length === 1) return values[0];
  return withDefault ? withDefault[2] : undefined;
}

/** A condition value with its variables replaced; undefined if one has no value. */
function substitute(policy: PolicyDocument, value: string, context: AuthzRequest['context']): string | undefined {
  if (policy.version !== '2012-10-17' || !value.includes('${')) return value;
  let missing = false;
  const out = value.replace(VARIABLE, (_, inner: string) => {
    const v = variableValue(inner, context);
    if (v === undefined) missing = true;
    return v ?? '';
  });
  return missing ? undefined : out;
}

// ---------------------------------------------------------------------------
// Conditions (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html)

const NEGATED = new Set([
  'StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike', 'NumericNotEquals', 'DateNotEquals', 'NotIpAddress', 'ArnNotEquals', 'ArnNotLike',
]);

/** The positive operator a negated one is the opposite of. */
const POSITIVE: Record<string, string> = {
  StringNotEquals: 'StringEquals', StringNotEqualsIgnoreCase: 'StringEqualsIgnoreCase', StringNotLike: 'StringLike',
  NumericNotEquals: 'NumericEquals', DateNotEquals: 'DateEquals', NotIpAddress: 'IpAddress', ArnNotEquals: 'ArnEquals', ArnNotLike: 'ArnLike',
};

export function conditionHolds(policy: PolicyDocument, clause: ConditionClause, context: AuthzRequest['context']): boolean {
  const present = context.get(clause.key);
  if (clause.operator === 'Null') {
    const absent = present === undefined || present.length === 0;
    const wanted = clause.values.map((v) => v.toLowerCase());
    return wanted.some((w) => (w === 'true' ? absent : w === 'false' ? !absent : false));
  }
  const negated = NEGATED.has(clause.operator);
  const positive = POSITIVE[clause.operator] ?? clause.operator;
  const policyValues = clause.values.map((v) => substitute(policy, v, context)).filter((v): v is string => v !== undefined);
  const matchesAny = (requestValue: string) => policyValues.some((p) => operatorMatch(positive, requestValue, p));

  if (clause.set === 'ForAllValues') {
    // Every value in the request must match; an absent or empty set matches vacuously.
    if (!present || present.length === 0) return true;
    return present.every((v) => (negated ? !matchesAny(v) : matchesAny(v)));
  }
  if (clause.set === 'ForAnyValue') {
    if (!present || present.length === 0) return clause.ifExists;
    return present.some((v) => (negated ? !matchesAny(v) : matchesAny(v)));
  }
  if (!present || present.length === 0) {
    // Missing key: false for positive operators, true for negated ones; IfExists makes it true.
    return clause.ifExists || negated;
  }
  if (present.length > 1 || MULTIVALUED.has(clause.key)) {
    const any = present.some(matchesAny);
    return negated ? !any : any;
  }
  return negated ? !matchesAny(present[0]) : matchesAny(present[0]);
}

function operatorMatch(operator: string, requestValue: string, policyValue: string): boolean {
  switch (operator) {
    case 'StringEquals':
      return requestValue === policyValue;
    case 'StringEqualsIgnoreCase':
      return requestValue.toLowerCase() === policyValue.toLowerCase();
    case 'StringLike':
      return globMatch(policyValue, requestValue);
    case 'NumericEquals':
    case 'NumericLessThan':
    case 'NumericLessThanEquals':
    case 'NumericGreaterThan':
    case 'NumericGreaterThanEquals':
      return compare(operator.slice('Numeric'.length), parseNumber(requestValue), parseNumber(policyValue));
    case 'DateEquals':
    case 'DateLessThan':
    case 'DateLessThanEquals':
    case 'DateGreaterThan':
    case 'DateGreaterThanEquals':
      return compare(operator.slice('Date'.length), parseDate(requestValue), parseDate(policyValue));
    case 'Bool':
      return requestValue.toLowerCase() === policyValue.toLowerCase();
    case 'BinaryEquals':
      return requestValue === policyValue;
    case 'IpAddress':
      return ipInCidr(requestValue, policyValue);
    case 'ArnEquals':
    case 'ArnLike':
      return arnMatch(policyValue, requestValue);
    default:
      return false;
  }
}

function compare(relation: string, left: number | undefined, right: number | undefined): boolean {
  if (left === undefined || right === undefined) return false;
  switch (relation) {
    case 'Equals': return left === right;
    case 'LessThan': return left < right;
    case 'LessThanEquals': return left <= right;
    case 'GreaterThan': return left > right;
    case 'GreaterThanEquals': return left >= right;
    default: return false;
  }
}

function parseNumber(text: string): number | undefined {
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text.trim())) return undefined;
  return Number(text);
}

/** ISO 8601 (W3C) dates and epoch seconds, as the Date operators accept. */
function parseDate(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * ARN matching, component by component: "Each of the six colon-delimited components of the
 * ARN is checked separately and each can include multi-character match wildcards (*) or
 * single-character match wildcards (?)" (condition operators page, ARN section).
 */
function arnMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  const p = splitArn(pattern);
  const v = splitArn(value);
  if (!p || !v) return false;
  return p.every((part, i) => globMatch(part, v[i]));
}

function splitArn(text: string): string[] | undefined {
  const parts = text.split(':');
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

export function ipInCidr(address: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const family = net.isIP(base);
  const mapped = address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
  if (family === 0 || net.isIP(mapped) !== family) return false;
  const width = family === 4 ? 32 : 128;
  const bits = bitsText === undefined ? width : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > width) return false;
  const a = ipBits(mapped, family);
  const b = ipBits(base, family);
  if (a === undefined || b === undefined) return false;
  const shift = BigInt(width - bits);
  return a >> shift === b >> shift;
}

function ipBits(address: string, family: number): bigint | undefined {
  if (family === 4) return address.split('.').reduce((acc, part) => (acc << 8n) + BigInt(Number(part)), 0n);
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array<string>(8 - headParts.length - tailParts.length).fill('0');
  const parts = [...headParts, ...fill, ...tailParts];
  if (parts.length !== 8) return undefined;
  return parts.reduce((acc, part) => (acc << 16n) + BigInt(parseInt(part || '0', 16)), 0n);
}

import { awsError } from '@bosun/protocol';

/**
 * IAM policy documents: parsing and validation into a compiled form the evaluator reads.
 * Pure: no I/O. The grammar is AWS's "IAM JSON policy elements reference"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html);
 * error messages are IAM's MalformedPolicyDocument wording.
 */

export type Effect = 'Allow' | 'Deny';

/** One condition: `operator` (e.g. StringLike) with its qualifiers split off. */
export interface ConditionClause {
  /** The base operator, e.g. StringLike (without IfExists or set qualifiers). */
  readonly operator: string;
  readonly ifExists: boolean;
  readonly set?: 'ForAnyValue' | 'ForAllValues';
  /** The condition key as written, lower-cased (keys are case-insensitive). */
  readonly key: string;
  readonly values: readonly string[];
}

export interface Statement {
  readonly sid?: string;
  readonly effect: Effect;
  /** Action patterns, or NotAction patterns when `notAction`. Lower-cased (actions are case-insensitive). */
  readonly actions: readonly string[];
  readonly notAction: boolean;
  readonly resources: readonly string[];
  readonly notResource: boolean;
  /** Principal / NotPrincipal of resource-based (trust) policies: type → values. */
  readonly principals?: Readonly<Record<string, readonly string[]>>;
  readonly notPrincipal: boolean;
  readonly conditions: readonly ConditionClause[];
  /** `actions` compiled (case-insensitive, whole value). */
  readonly actionMatchers: readonly RegExp[];
  /** `resources` compiled, or undefined for a pattern with policy variables (compiled per request). */
  readonly resourceMatchers: readonly (RegExp | undefined)[];
}

/** `*` matches any run of characters, `?` one character; the whole value must match. */
export function globRegex(pattern: string, ignoreCase: boolean): RegExp {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's');
}

export interface PolicyDocument {
  readonly version: '2012-10-17' | '2008-10-17';
  readonly statements: readonly Statement[];
}

export type PolicyKind = 'identity' | 'trust';

const OPERATORS = new Set([
  'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike',
  'NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals',
  'DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals',
  'Bool', 'BinaryEquals', 'IpAddress', 'NotIpAddress', 'ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike', 'Null',
]);

const TOP_ELEMENTS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_ELEMENTS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Principal', 'NotPrincipal', 'Condition']);

const malformed = (message: string) => awsError('MalformedPolicyDocument', message);
const SYNTAX = 'Syntax errors in policy.';
const LEGACY = 'The policy failed legacy parsing';

/** Parses and validates a policy document; throws MalformedPolicyDocument as IAM does. */
export function parsePolicy(text: string, kind: PolicyKind = 'identity'): PolicyDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // IAM words a trust policy's bad JSON otherwise than a permissions policy's.
    throw malformed(kind === 'trust' ? 'This policy contains invalid Json' : SYNTAX);
  }
  if (!isObject(json)) throw malformed(SYNTAX);
  for (const key of Object.keys(json)) if (!TOP_ELEMENTS.has(key)) throw malformed(SYNTAX);
  const version = json.Version;
  if (version === undefined) throw malformed('Policy document must be version 2012-10-17 or greater.');
  if (version !== '2012-10-17' && version !== '2008-10-17') throw malformed(LEGACY);
  if (json.Id !== undefined && typeof json.Id !== 'string') throw malformed(SYNTAX);
  const raw = json.Statement;
  if (raw === undefined) throw malformed(SYNTAX);
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw malformed(SYNTAX);
  const statements = list.map((s) => parseStatement(s, kind, version));
  const sids = statements.map((s) => s.sid).filter((s): s is string => s !== undefined);
  if (new Set(sids).size !== sids.length) throw malformed('Statement IDs (SID) in a single policy must be unique.');
  return { version, statements };
}

function parseStatement(raw: unknown, kind: PolicyKind, version: string): Statement {
  if (!isObject(raw)) throw malformed(SYNTAX);
  for (const key of Object.keys(raw)) if (!STATEMENT_ELEMENTS.has(key)) throw malformed(SYNTAX);
  if (raw.Sid !== undefined && (typeof raw.Sid !== 'string' || !/^[A-Za-z0-9]*$/.test(raw.Sid))) {
    throw malformed('Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*');
  }
  if (raw.Effect === undefined) throw malformed(SYNTAX);
  if (raw.Effect !== 'Allow' && raw.Effect !== 'Deny') {
    // A known effect in the wrong case gets past IAM's grammar and fails its older parser.
    throw malformed(typeof raw.Effect === 'string' && ['allow', 'deny'].includes(raw.Effect.toLowerCase()) ? LEGACY : SYNTAX);
  }
  if (raw.Action !== undefined && raw.NotAction !== undefined) throw malformed(SYNTAX);
  if (raw.Action === undefined && raw.NotAction === undefined) throw malformed('Policy statement must contain actions.');
  if (raw.Resource !== undefined && raw.NotResource !== undefined) throw malformed(SYNTAX);
  if (raw.Principal !== undefined && raw.NotPrincipal !== undefined) throw malformed(SYNTAX);
  if (kind === 'identity') {
    if (raw.Principal !== undefined || raw.NotPrincipal !== undefined) throw malformed('Policy document should not specify a principal.');
    if (raw.Resource === undefined && raw.NotResource === undefined) throw malformed('Policy statement must contain resources.');
  } else if (raw.Principal === undefined && raw.NotPrincipal === undefined) {
    throw malformed('Missing required field Principal');
  } else if (raw.Resource !== undefined || raw.NotResource !== undefined) {
    throw malformed(`Has prohibited field ${raw.Resource !== undefined ? 'Resource' : 'NotResource'}.`);
  }
  if (isEmptyList(raw.Action ?? raw.NotAction)) throw malformed('Policy statement must contain actions.');
  if (isEmptyList(raw.Resource ?? raw.NotResource)) throw malformed('Policy statement must contain resources.');
  const actions = stringList(raw.Action ?? raw.NotAction);
  for (const action of actions) {
    if (action !== '*' && !/^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$/.test(action)) {
      throw malformed(action.includes(':') ? `Actions/Condition can contain only one colon.` : 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
    }
  }
  const resources = raw.Resource === undefined && raw.NotResource === undefined ? ['*'] : stringList(raw.Resource ?? raw.NotResource);
  for (const resource of resources) {
    if (resource !== '*' && !resource.startsWith('arn:')) throw malformed(`Resource ${resource} must be in ARN format or "*".`);
    if (resource.startsWith('arn:') && resource.split(':').length < 6) throw malformed(LEGACY);
  }
  const lowered = actions.map((a) => a.toLowerCase());
  const hasVariables = version === '2012-10-17';
  return {
    ...(typeof raw.Sid === 'string' ? { sid: raw.Sid } : {}),
    actionMatchers: lowered.map((a) => globRegex(a, true)),
    resourceMatchers: resources.map((r) => (hasVariables && r.includes('${') ? undefined : globRegex(r, false))),
    effect: raw.Effect,
    actions: lowered,
    notAction: raw.NotAction !== undefined,
    resources,
    notResource: raw.NotResource !== undefined,
    ...(raw.Principal !== undefined || raw.NotPrincipal !== undefined ? { principals: parsePrincipal(raw.Principal ?? raw.NotPrincipal) } : {}),
    notPrincipal: raw.NotPrincipal !== undefined,
    conditions: raw.Condition === undefined ? [] : parseConditions(raw.Condition),
  };
}

function parsePrincipal(raw: unknown): Record<string, readonly string[]> {
  if (raw === '*') return { AWS: ['*'] };
  if (!isObject(raw)) throw malformed(`Invalid principal in policy: ${JSON.stringify(raw)}`);
  const out: Record<string, readonly string[]> = {};
  for (const [type, value] of Object.entries(raw)) {
    // AWS names the principal it could not read: Invalid principal in policy: "AWS":"arn:..."
    if (!['AWS', 'Service', 'Federated', 'CanonicalUser'].includes(type)) throw malformed(`Invalid principal in policy: ${JSON.stringify(type)}:${JSON.stringify(value)}`);
    out[type] = stringList(value);
  }
  return out;
}

function parseConditions(raw: unknown): ConditionClause[] {
  if (!isObject(raw)) throw malformed(SYNTAX);
  const clauses: ConditionClause[] = [];
  for (const [name, block] of Object.entries(raw)) {
    const match = /^(?:(ForAnyValue|ForAllValues):)?([A-Za-z]+?)(IfExists)?$/.exec(name);
    const operator = match?.[2];
    if (!match || !operator || !OPERATORS.has(operator) || (operator === 'Null' && match[3])) throw malformed(`Invalid Condition type : ${name}.`);
    if (!isObject(block)) throw malformed(SYNTAX);
    for (const [key, value] of Object.entries(block)) {
      const values = Array.isArray(value) ? value : [value];
      if (values.some((v) => typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')) throw malformed(SYNTAX);
      clauses.push({
        operator,
        ifExists: match[3] !== undefined,
        ...(match[1] ? { set: match[1] as 'ForAnyValue' | 'ForAllValues' } : {}),
        key: key.toLowerCase(),
        values: values.map(String),
      });
    }
  }
  return clauses;
}

function stringList(raw: unknown): string[] {
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0 || list.some((v) => typeof v !== 'string')) throw malformed(SYNTAX);
  return list as string[];
}

function isEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length === 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

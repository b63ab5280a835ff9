import { awsError, formatArn, type Scope } from '@bosun/protocol';

/**
 * Parameter names, paths, selectors and labels, with AWS's rules (SSM API reference of
 * PutParameter, LabelParameterVersion; Parameter Store user guide "Creating parameters").
 */

export const MAX_HIERARCHY_LEVELS = 15;
/** AWS counts the fully qualified name (the ARN) against 1011 characters. */
export const MAX_QUALIFIED_NAME = 1011;
export const REFERENCE_PREFIX = '/aws/reference/secretsmanager/';

export function parameterArn(region: string, accountId: string, name: string): string {
  return formatArn({ service: 'ssm', region, accountId, resource: `parameter${name.startsWith('/') ? '' : '/'}${name}` });
}

/**
 * AWS: a top-level name is one parameter with or without its leading slash (`foo` and `/foo`;
 * user guide, "Requirements and constraints for parameter names": "/TestParam1 and TestParam1
 * ... are not unique"). Names deeper in a hierarchy always start with '/'. A parameter keeps the
 * form it was created with (GetParameter answers that Name); both forms find it.
 */
export function isTopLevel(name: string): boolean {
  return name.indexOf('/', 1) < 0;
}

/** The forms a stored parameter of this name may have: both for a top-level name, else the name itself. */
export function nameForms(name: string): readonly [string, string] {
  if (!isTopLevel(name)) return [name, name];
  const bare = name.startsWith('/') ? name.slice(1) : name;
  return [bare, `/${bare}`];
}

/** The name as a path ('/foo' for 'foo'): what Name and Path filters compare. */
export function pathForm(name: string): string {
  return name.startsWith('/') ? name : `/${name}`;
}

/** '/a/b' for '/a/b/c'; '/' for '/c' and for 'c'. */
export function parentPath(name: string): string {
  const at = name.lastIndexOf('/');
  return at <= 0 ? '/' : name.slice(0, at);
}

/** A name given as an ARN (arn:aws:ssm:REGION:ACCOUNT:parameter/NAME) is reduced to the name. */
export function nameFromArn(text: string): string {
  const match = /^arn:aws[\w-]*:ssm:[\w-]*:\d{12}:parameter(\/.*)$/.exec(text);
  if (!match) return text;
  const rest = match[1];
  // A top-level name without a slash has ARN ...:parameter/name; a path keeps its slash.
  return rest.indexOf('/', 1) > 0 ? rest : rest.slice(1);
}

/**
 * Whether a name given as an ARN names a region other than `region`. AWS reads a parameter in
 * the region the request is signed for, never the ARN's: such a name names no parameter.
 */
export function namesOtherRegion(text: string, region: string): boolean {
  const arn = /^arn:aws[\w-]*:ssm:([\w-]*):/.exec(text);
  return arn !== null && arn[1] !== region;
}

/** Checks a name for PutParameter in `scope` (whose region is part of the ARN AWS measures); throws AWS's errors. */
export function checkNewName(name: string, scope: Scope): void {
  const lower = name.toLowerCase();
  const stripped = lower.replace(/^\/+/, '');
  if (stripped.startsWith('aws') || stripped.startsWith('ssm')) {
    const isPath = name.split('/').length > 2;
    if (lower.startsWith('/aws') && isPath) throw awsError('AccessDeniedException', `No access to reserved parameter name: ${name}.`);
    throw awsError('ValidationException', isPath
      ? 'Parameter name: can\'t be prefixed with "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_'
      : 'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).');
  }
  if (name.includes('/') && !name.startsWith('/')) throw awsError('ValidationException', 'Parameter name must be a fully qualified name.');
  if (!/^[a-zA-Z0-9_.\-/]+$/.test(name) || name.includes('//') || (name.length > 1 && name.endsWith('/'))) {
    throw awsError('ValidationException', 'Parameter name: can only contain letters, numbers and the symbols .-_/; a path is sub-paths divided by single slashes and does not end with a slash.');
  }
  if (parameterArn(scope.region, scope.accountId, name).length > MAX_QUALIFIED_NAME) {
    throw awsError('ValidationException', `Parameter name: the fully qualified name (its ARN) can be at most ${MAX_QUALIFIED_NAME} characters.`);
  }
  if (levels(name) > MAX_HIERARCHY_LEVELS) {
    throw awsError('HierarchyLevelLimitExceededException', `A hierarchy can have a maximum of ${MAX_HIERARCHY_LEVELS} levels. Parameter name: ${name}`);
  }
}

function levels(name: string): number {
  return name.split('/').filter((p) => p !== '').length;
}

export interface Selector {
  readonly name: string;
  /** ':3' or ':label', as AWS echoes it in Parameter.Selector. */
  readonly selector?: string;
  readonly version?: number;
  readonly label?: string;
}

/** Splits `name:version` and `name:label`; a name may be given as its ARN. */
export function parseSelector(text: string): Selector {
  let name = text;
  let selectorPart: string | undefined;
  const arn = /^arn:aws[\w-]*:ssm:[\w-]*:\d{12}:parameter(\/[^:]*)(?::(.*))?$/.exec(text);
  if (arn) {
    name = nameFromArn(text.slice(0, text.length - (arn[2] !== undefined ? arn[2].length + 1 : 0)));
    selectorPart = arn[2];
  } else {
    const colon = text.indexOf(':');
    if (colon >= 0) {
      name = text.slice(0, colon);
      selectorPart = text.slice(colon + 1);
    }
  }
  if (selectorPart === undefined) return { name };
  if (selectorPart === '') {
    throw awsError('ValidationException', 'Invalid parameter name. Please ensure that the parameter name is of the format /path/name, /path/name:version or /path/name:label.');
  }
  // AWS finds nothing for `name:2:3` (no parameter has that selector): ParameterNotFound naming the whole text.
  if (selectorPart.includes(':')) throw awsError('ParameterNotFound', `Parameter ${text} not found.`);
  if (/^\d+$/.test(selectorPart)) return { name, selector: `:${selectorPart}`, version: Number(selectorPart) };
  return { name, selector: `:${selectorPart}`, label: selectorPart };
}

export const MAX_LABELS_PER_VERSION = 10;

/** Whether AWS accepts a label (LabelParameterVersion returns the others as InvalidLabels). */
export function isValidLabel(label: string): boolean {
  if (label.length < 1 || label.length > 100) return false;
  if (/^(aws|ssm)/i.test(label)) return false;
  if (/^\d/.test(label)) return false;
  return /^[a-zA-Z0-9_.-]+$/.test(label);
}

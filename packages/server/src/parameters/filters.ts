import { awsError, type ssm } from '@bosun/protocol';
import { pathForm } from './names.ts';
import type { VersionRow } from './parameter-store.ts';

/**
 * ParameterFilters of DescribeParameters and GetParametersByPath, and the older Filters of
 * DescribeParameters, checked and matched as AWS does (SSM API reference, ParameterStringFilter).
 */

/**
 * AWS (ParameterStringFilter.Option): "For all filters used with DescribeParameters, valid options
 * include Equals and BeginsWith. The Name filter additionally supports the Contains option.
 * (Exception: For filters using the key Path, valid options include Recursive and OneLevel.)
 * ... For filters using Label as the Key name, the only valid option is Equals."
 */
const OPTIONS: Record<string, readonly string[]> = {
  Name: ['Equals', 'BeginsWith', 'Contains'],
  Path: ['Recursive', 'OneLevel'],
  Type: ['Equals', 'BeginsWith'],
  KeyId: ['Equals', 'BeginsWith'],
  Label: ['Equals'],
  Tier: ['Equals', 'BeginsWith'],
  DataType: ['Equals', 'BeginsWith'],
  tag: ['Equals', 'BeginsWith'],
};
/** The options AWS's InvalidFilterOption message lists (it names neither Contains nor the other keys' differences). */
const OPTIONS_NAMED: Record<string, string> = { Path: '[Recursive, OneLevel]', Label: '[Equals]' };
/** The keys AWS's InvalidFilterKey message lists, which are fewer than it accepts. */
const KEYS_NAMED: Record<'DescribeParameters' | 'GetParametersByPath', string> = {
  DescribeParameters: '[Path, Name, Type, KeyId, Tier]',
  GetParametersByPath: '[Type, KeyId]',
};
const DEFAULT_OPTION: Record<string, string> = { Path: 'OneLevel' };
/**
 * AWS (ParameterStringFilter.Key): "For DescribeParameters, all of the listed patterns are valid
 * except Label. For GetParametersByPath, the following patterns listed for Key aren't valid:
 * tag, DataType, Name, Path, and Tier."
 */
const BY_PATH_KEYS = ['Type', 'KeyId', 'Label'];
const DESCRIBE_KEYS = ['Name', 'Path', 'Type', 'KeyId', 'Tier', 'DataType', 'tag'];

export interface Filter {
  readonly key: string;
  /** The tag key of a tag:KEY filter. */
  readonly tagKey?: string;
  readonly option: string;
  readonly values: readonly string[];
}

export function checkFilters(filters: readonly ssm.ParameterStringFilter[] | undefined, where: 'DescribeParameters' | 'GetParametersByPath'): Filter[] {
  const result: Filter[] = [];
  const seen = new Set<string>();
  for (const f of filters ?? []) {
    const tagKey = f.Key.startsWith('tag:') ? f.Key.slice(4) : undefined;
    const family = tagKey !== undefined ? 'tag' : f.Key;
    const allowedKeys = where === 'GetParametersByPath' ? BY_PATH_KEYS : DESCRIBE_KEYS;
    if (!allowedKeys.includes(family) || (tagKey !== undefined && tagKey === '')) {
      throw awsError('InvalidFilterKey', `The following filter key is not valid: ${f.Key}. Valid filter keys include: ${KEYS_NAMED[where]}.`);
    }
    if (seen.has(f.Key)) throw awsError('InvalidFilterKey', `The following filter is duplicated in the request: ${f.Key}. A request can contain only one occurrence of a specific filter.`);
    seen.add(f.Key);
    const option = f.Option ?? DEFAULT_OPTION[family] ?? 'Equals';
    if (!OPTIONS[family].includes(option)) {
      throw awsError('InvalidFilterOption', `The following filter option is not valid: ${option}. Valid options include: ${OPTIONS_NAMED[family] ?? '[BeginsWith, Equals]'}.`);
    }
    const values = f.Values ?? [];
    if (values.length === 0 && family !== 'tag') throw awsError('InvalidFilterValue', `The following filter values are missing : null for filter key ${f.Key}.`);
    if (family === 'Path') checkPathValues(values);
    if (family === 'Tier') {
      for (const v of values) if (!['Standard', 'Advanced', 'Intelligent-Tiering'].includes(v)) throw awsError('InvalidFilterValue', `The following filter value is not valid: ${v}. Valid values include: [Standard, Advanced, Intelligent-Tiering].`);
    }
    if (family === 'Type') {
      for (const v of values) if (!['String', 'StringList', 'SecureString'].includes(v)) throw awsError('InvalidFilterValue', `The following filter value is not valid: ${v}. Valid values include: [String, StringList, SecureString].`);
    }
    result.push({ key: family, tagKey, option, values });
  }
  return result;
}

/**
 * AWS's message for a path it refuses (GetParametersByPath's Path, DescribeParameters' Path
 * filter), as AWS sends it: with backslashes before the quotes around aws and ssm.
 */
export const PATH_RULES = 'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/". '
  + 'It can\'t be prefixed with \\"aws\\" or \\"ssm\\" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). '
  + 'Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol "/". Valid example: /get/parameters2-/by1./path0_.';

/** Whether a path has AWS's form: a leading slash, single slashes, letters, digits and .-_ only. */
export function isPathForm(path: string): boolean {
  return path.startsWith('/') && !path.includes('//') && /^[a-zA-Z0-9_.\-/]*$/.test(path);
}

/** Path filter values as AWS checks them: reserved prefixes first (any value), then each value's form. */
function checkPathValues(values: readonly string[]): void {
  if (values.some((v) => /^\/(aws|ssm)/i.test(v))) {
    throw awsError('ValidationException', 'Filters for common parameters can\'t be prefixed with "aws" or "ssm" (case-insensitive). When using global parameters, please specify within a global namespace.');
  }
  if (!values.every(isPathForm)) throw awsError('ValidationException', PATH_RULES);
}

/** The older `Filters` member of DescribeParameters: Name, Type and KeyId, matched by prefix (Name) or equality. */
export function legacyFilters(filters: readonly ssm.ParametersFilter[] | undefined): Filter[] {
  return (filters ?? []).map((f) => ({ key: f.Key, option: f.Key === 'Name' ? 'BeginsWith' : 'Equals', values: f.Values }));
}

function compare(option: string, actual: string | undefined | null, wanted: string): boolean {
  if (actual === undefined || actual === null) return false;
  if (option === 'BeginsWith') return actual.startsWith(wanted);
  if (option === 'Contains') return actual.includes(wanted);
  return actual === wanted;
}

/** Whether a parameter's current version passes every filter (Label filters are applied by the caller). */
export function matches(row: VersionRow, tags: readonly { Key: string; Value: string }[], filters: readonly Filter[]): boolean {
  for (const f of filters) {
    switch (f.key) {
      case 'Name':
        // Top-level names match with or without their slash: both sides are compared as paths (Contains as given).
        if (!f.values.some((v) => (f.option === 'Contains' ? compare(f.option, row.name, v) : compare(f.option, pathForm(row.name), pathForm(v))))) return false;
        break;
      case 'Path': {
        const ok = f.values.some((v) => {
          const path = v.length > 1 ? v.replace(/\/+$/, '') : v;
          if (f.option === 'Recursive') return path === '/' || pathForm(row.name).startsWith(`${path}/`);
          return row.parent_path === path;
        });
        if (!ok) return false;
        break;
      }
      case 'Type':
        if (!f.values.some((v) => compare(f.option, row.type, v))) return false;
        break;
      case 'KeyId':
        if (row.type !== 'SecureString' || !f.values.some((v) => compare(f.option, row.key_id, v))) return false;
        break;
      case 'Tier':
        if (!f.values.some((v) => compare(f.option, row.tier, v))) return false;
        break;
      case 'DataType':
        if (!f.values.some((v) => compare(f.option, row.data_type, v))) return false;
        break;
      case 'Label': {
        const labels = JSON.parse(row.labels) as string[];
        if (!f.values.some((v) => labels.includes(v))) return false;
        break;
      }
      case 'tag': {
        const tag = tags.find((t) => t.Key === f.tagKey);
        if (!tag) return false;
        if (f.values.length > 0 && !f.values.some((v) => compare(f.option, tag.Value, v))) return false;
        break;
      }
    }
  }
  return true;
}

import { awsError, type ssm } from '@bosun/protocol';
import type { VersionRow } from './parameter-store.ts';

/**
 * ParameterFilters of DescribeParameters and GetParametersByPath, and the older Filters of
 * DescribeParameters, checked and matched as AWS does (SSM API reference, ParameterStringFilter).
 */

const OPTIONS: Record<string, readonly string[]> = {
  Name: ['Equals', 'BeginsWith', 'Contains'],
  Path: ['Recursive', 'OneLevel'],
  Type: ['Equals', 'BeginsWith'],
  KeyId: ['Equals', 'BeginsWith'],
  Label: ['Equals'],
  Tier: ['Equals'],
  DataType: ['Equals'],
  tag: ['Equals', 'BeginsWith'],
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
      throw awsError('InvalidFilterKey', `The following filter key is not valid: ${f.Key}. Valid filter keys include: [${allowedKeys.map((k) => (k === 'tag' ? 'tag:KEY' : k)).join(', ')}].`);
    }
    if (seen.has(f.Key)) throw awsError('InvalidFilterKey', `The following filter is duplicated in the request: ${f.Key}. A request can contain only one occurrence of a specific filter.`);
    seen.add(f.Key);
    const option = f.Option ?? DEFAULT_OPTION[family] ?? 'Equals';
    if (!OPTIONS[family].includes(option)) {
      throw awsError('InvalidFilterOption', `The following filter option is not valid: ${option}. Valid options include: [${OPTIONS[family].join(', ')}].`);
    }
    const values = f.Values ?? [];
    if (values.length === 0 && family !== 'tag') throw awsError('InvalidFilterValue', `The following filter values are missing : null for filter key ${f.Key}.`);
    if (family === 'Path') {
      for (const v of values) if (!v.startsWith('/')) throw awsError('ValidationException', `The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash "/". Path filter value: ${v}`);
    }
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
        if (!f.values.some((v) => compare(f.option, row.name, v) || (!v.startsWith('/') && compare(f.option, row.name, `/${v}`)))) return false;
        break;
      case 'Path': {
        const ok = f.values.some((v) => {
          const path = v.length > 1 ? v.replace(/\/+$/, '') : v;
          if (f.option === 'Recursive') return path === '/' ? row.name.startsWith('/') : row.name.startsWith(`${path}/`);
          return row.parent_path === path && row.name.startsWith('/');
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
        if (!f.values.includes(row.tier)) return false;
        break;
      case 'DataType':
        if (!f.values.includes(row.data_type)) return false;
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

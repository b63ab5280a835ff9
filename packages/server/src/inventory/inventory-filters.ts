import { awsError, type ssm } from '@bosun/protocol';

/**
 * Inventory filters (GetInventory's `Type.Attribute` keys, ListInventoryEntries' attribute
 * keys), evaluated on entries. Equal: any of the values; NotEqual: none of them; BeginWith:
 * a prefix of any; LessThan / GreaterThan: numbers compared as numbers, other values as
 * versions (1.2.10 > 1.2.9); Exists: the attribute is present.
 */

export type Entry = Readonly<Record<string, string>>;

export interface EntryFilter {
  readonly attribute: string;
  readonly type: ssm.InventoryQueryOperatorType;
  readonly values: readonly string[];
}

/** Whether one entry's attribute passes a filter. */
export function entryMatches(entry: Entry, filter: EntryFilter): boolean {
  const value = entry[filter.attribute];
  switch (filter.type) {
    case 'Exists':
      return value !== undefined;
    case 'Equal':
      return value !== undefined && filter.values.includes(value);
    case 'NotEqual':
      return value === undefined || !filter.values.includes(value);
    case 'BeginWith':
      return value !== undefined && filter.values.some((v) => value.startsWith(v));
    case 'LessThan':
      return value !== undefined && filter.values.some((v) => compareValues(value, v) < 0);
    case 'GreaterThan':
      return value !== undefined && filter.values.some((v) => compareValues(value, v) > 0);
  }
}

/**
 * Whether a node's entries of a type pass a filter: some entry passes it, except NotEqual,
 * which passes when no entry has one of the values ("nodes without package X").
 */
export function entriesMatch(entries: readonly Entry[], filter: EntryFilter): boolean {
  if (filter.type === 'NotEqual') return entries.every((entry) => entryMatches(entry, filter));
  return entries.some((entry) => entryMatches(entry, filter));
}

const NUMBER = /^-?\d+(\.\d+)?$/;

/** Numbers as numbers; anything else as a version: runs of digits by value, other runs by text (1.2.10 > 1.2.9, 1.0-2 < 1.0-10). */
export function compareValues(a: string, b: string): number {
  if (NUMBER.test(a) && NUMBER.test(b)) return Math.sign(Number(a) - Number(b));
  return compareVersions(a, b);
}

export function compareVersions(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const d = Number(x) - Number(y);
      if (d !== 0) return Math.sign(d);
    } else if (x !== y) {
      // A digit run sorts after a separator run (1.0.1 > 1.0), as dpkg and rpm order them.
      if (dx !== dy) return dx ? 1 : -1;
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

/** A GetInventory filter key (`AWS:Application.Name`) split into type and attribute. */
export function splitKey(key: string, error: 'InvalidFilter' | 'InvalidAggregatorException' | 'InvalidInventoryGroupException'): { typeName: string; attribute: string } {
  const dot = key.lastIndexOf('.');
  if (dot <= 0 || dot === key.length - 1 || !/^(AWS|Custom):/.test(key)) {
    const what = error === 'InvalidAggregatorException' ? 'aggregator expression' : 'filter key';
    throw awsError(error, `The ${what} ${key} isn't valid: write it as TypeName.AttributeName, for example AWS:Application.Name.`);
  }
  return { typeName: key.slice(0, dot), attribute: key.slice(dot + 1) };
}

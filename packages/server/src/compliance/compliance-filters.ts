import { awsError, type ssm } from '@bosun/protocol';
import { severityRank } from './severity-counts.ts';

/**
 * The `Filters` of the list operations (ComplianceStringFilter): each filter names a key, one
 * to twenty values and an operator (EQUAL when absent). An entry matches when it matches every
 * filter. EQUAL and BEGIN_WITH match when any value does, NOT_EQUAL when none is equal;
 * LESS_THAN and GREATER_THAN compare with each value (all must hold): times as times, severities
 * by rank (CRITICAL is the highest), other keys as text. An entry without the field (an item
 * put without a Title) matches only NOT_EQUAL.
 */

export type FieldKind = 'text' | 'severity' | 'time';

/** The filter keys one operation accepts, each with how its values compare, and how to read it from an entry. */
export type FilterKeys<T> = Readonly<Record<string, { readonly kind: FieldKind; readonly read: (entry: T) => string | number | undefined }>>;

export type Matcher<T> = (entry: T) => boolean;

const OPERATORS = new Set(['EQUAL', 'NOT_EQUAL', 'BEGIN_WITH', 'LESS_THAN', 'GREATER_THAN']);

/** One predicate for all the filters; InvalidFilter for a key the operation does not know, or a value that does not fit it. */
export function compileFilters<T>(filters: readonly ssm.ComplianceStringFilter[] | undefined, keys: FilterKeys<T>): Matcher<T> {
  const checks = (filters ?? []).map((filter) => compileOne(filter, keys));
  return (entry) => checks.every((check) => check(entry));
}

function compileOne<T>(filter: ssm.ComplianceStringFilter, keys: FilterKeys<T>): Matcher<T> {
  const valid = Object.keys(keys).join(', ');
  if (!filter.Key) throw awsError('InvalidFilter', `A filter needs a Key. Valid keys: ${valid}.`);
  const key = keys[filter.Key];
  if (!key) throw awsError('InvalidFilter', `The filter key ${filter.Key} is not valid. Valid keys: ${valid}.`);
  const operator = filter.Type ?? 'EQUAL';
  if (!OPERATORS.has(operator)) throw awsError('InvalidFilter', `The filter type ${operator} is not valid.`);
  const values = filter.Values ?? [];
  if (values.length === 0) throw awsError('InvalidFilter', `The filter ${filter.Key} needs at least one value.`);
  const wanted = values.map((v) => comparable(key.kind, v, filter.Key!));
  const { read, kind } = key;
  switch (operator) {
    case 'EQUAL':
      return (entry) => {
        const field = read(entry);
        return field !== undefined && wanted.some((w) => equal(kind, field, w));
      };
    case 'NOT_EQUAL':
      return (entry) => {
        const field = read(entry);
        return field === undefined || !wanted.some((w) => equal(kind, field, w));
      };
    case 'BEGIN_WITH':
      return (entry) => {
        const field = read(entry);
        return field !== undefined && values.some((v) => String(field).startsWith(v));
      };
    default: {
      const sign = operator === 'LESS_THAN' ? -1 : 1;
      return (entry) => {
        const field = read(entry);
        return field !== undefined && wanted.every((w) => Math.sign(compare(kind, field, w)) === sign);
      };
    }
  }
}

/** A filter value as the field's kind compares it: epoch ms for times, rank for severities. */
function comparable(kind: FieldKind, value: string, key: string): string | number {
  if (kind === 'time') {
    const ms = parseTime(value);
    if (ms === undefined) throw awsError('InvalidFilter', `The value ${value} of filter ${key} is not a time: use epoch seconds or ISO 8601 (2026-01-31T12:00:00Z).`);
    return ms;
  }
  return value;
}

function parseTime(value: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function equal(kind: FieldKind, field: string | number, wanted: string | number): boolean {
  return kind === 'time' ? Number(field) === wanted : String(field) === wanted;
}

function compare(kind: FieldKind, field: string | number, wanted: string | number): number {
  if (kind === 'time') return Number(field) - Number(wanted);
  // A higher severity is "greater": rank 0 (CRITICAL) compares above rank 5 (UNSPECIFIED).
  if (kind === 'severity') return severityRank(String(wanted)) - severityRank(String(field));
  const a = String(field);
  const b = String(wanted);
  return a < b ? -1 : a > b ? 1 : 0;
}

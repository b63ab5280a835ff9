import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isAwsError, type ssm } from '@bosun/protocol';
import { compileFilters, type FilterKeys } from './compliance-filters.ts';

interface Entry { id?: string; severity: string; time: number }
const KEYS: FilterKeys<Entry> = {
  Id: { kind: 'text', read: (e) => e.id },
  Severity: { kind: 'severity', read: (e) => e.severity },
  ExecutionTime: { kind: 'time', read: (e) => e.time },
};
const T = Date.UTC(2026, 0, 31, 12);
const entries: Entry[] = [
  { id: 'KB100', severity: 'CRITICAL', time: T - 3600_000 },
  { id: 'KB200', severity: 'LOW', time: T },
  { severity: 'UNSPECIFIED', time: T + 3600_000 },
];
const ids = (filters: ssm.ComplianceStringFilter[]) => entries.filter(compileFilters(filters, KEYS)).map((e) => e.id ?? '-');
const invalid = (error: unknown) => isAwsError(error) && error.code === 'InvalidFilter';

describe('compliance filters', () => {
  test('EQUAL (the default) matches any of its values', () => {
    assert.deepEqual(ids([{ Key: 'Id', Values: ['KB100', 'KB200'] }]), ['KB100', 'KB200']);
    assert.deepEqual(ids([{ Key: 'Id', Values: ['KB200'], Type: 'EQUAL' }]), ['KB200']);
  });

  test('NOT_EQUAL matches entries equal to none of the values, and entries without the field', () => {
    assert.deepEqual(ids([{ Key: 'Id', Values: ['KB100'], Type: 'NOT_EQUAL' }]), ['KB200', '-']);
  });

  test('BEGIN_WITH matches a prefix', () => {
    assert.deepEqual(ids([{ Key: 'Id', Values: ['KB1', 'XX'], Type: 'BEGIN_WITH' }]), ['KB100']);
  });

  test('LESS_THAN and GREATER_THAN compare severities by rank, CRITICAL highest', () => {
    assert.deepEqual(ids([{ Key: 'Severity', Values: ['MEDIUM'], Type: 'GREATER_THAN' }]), ['KB100']);
    assert.deepEqual(ids([{ Key: 'Severity', Values: ['MEDIUM'], Type: 'LESS_THAN' }]), ['KB200', '-']);
  });

  test('ExecutionTime compares as a time, given in epoch seconds or ISO 8601', () => {
    assert.deepEqual(ids([{ Key: 'ExecutionTime', Values: [String(T / 1000)], Type: 'LESS_THAN' }]), ['KB100']);
    assert.deepEqual(ids([{ Key: 'ExecutionTime', Values: ['2026-01-31T12:00:00Z'], Type: 'GREATER_THAN' }]), ['-']);
    assert.deepEqual(ids([{ Key: 'ExecutionTime', Values: ['2026-01-31T12:00:00Z'] }]), ['KB200']);
  });

  test('filters are all applied', () => {
    assert.deepEqual(ids([{ Key: 'Id', Values: ['KB'], Type: 'BEGIN_WITH' }, { Key: 'Severity', Values: ['LOW'] }]), ['KB200']);
  });

  test('an unknown key, a filter without key or values, and a time that does not parse are InvalidFilter', () => {
    assert.throws(() => compileFilters([{ Key: 'Colour', Values: ['x'] }], KEYS), (e: unknown) => invalid(e) && /Colour.*Valid keys: Id, Severity, ExecutionTime/.test((e as Error).message));
    assert.throws(() => compileFilters([{ Values: ['x'] }], KEYS), invalid);
    assert.throws(() => compileFilters([{ Key: 'Id' }], KEYS), invalid);
    assert.throws(() => compileFilters([{ Key: 'ExecutionTime', Values: ['yesterday'] }], KEYS), invalid);
  });
});

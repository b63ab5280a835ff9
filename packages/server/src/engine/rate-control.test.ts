import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { commandStatus, decideDispatch, limitFor, parseLimit, type DispatchState, type OutcomeCounts } from './rate-control.ts';

const state = (overrides: Partial<DispatchState>): DispatchState => ({ targetCount: 10, started: 0, inFlight: 0, errorCount: 0, maxConcurrency: 50, maxErrors: 0, cancelled: false, ...overrides });
const counts = (overrides: Partial<OutcomeCounts>): OutcomeCounts => ({
  targetCount: 3, started: 3, success: 0, failed: 0, executionTimedOut: 0, deliveryTimedOut: 0, undeliverable: 0, invalidPlatform: 0, cancelled: 0, terminated: 0, ...overrides,
});

describe('parseLimit', () => {
  test('accepts AWS\'s MaxConcurrency values and refuses 0 and 0%', () => {
    assert.deepEqual(parseLimit('10', 'concurrency'), { kind: 'count', value: 10 });
    assert.deepEqual(parseLimit('100%', 'concurrency'), { kind: 'percent', value: 100 });
    assert.deepEqual(parseLimit('5%', 'concurrency'), { kind: 'percent', value: 5 });
    for (const bad of ['0', '0%', '101%', '01', '-1', '1.5', '', 'ten', '10 %']) assert.equal(parseLimit(bad, 'concurrency'), undefined, bad);
  });

  test('accepts 0 and 0% as MaxErrors', () => {
    assert.deepEqual(parseLimit('0', 'errors'), { kind: 'count', value: 0 });
    assert.deepEqual(parseLimit('0%', 'errors'), { kind: 'percent', value: 0 });
    for (const bad of ['00', '101%', '-1', 'x']) assert.equal(parseLimit(bad, 'errors'), undefined, bad);
  });
});

describe('limitFor', () => {
  test('10% of 50 targets allows 5 errors (the 6th stops the command)', () => {
    assert.equal(limitFor({ kind: 'percent', value: 10 }, 50, 'errors'), 5);
  });
  test('a percentage rounds down', () => {
    assert.equal(limitFor({ kind: 'percent', value: 15 }, 10, 'errors'), 1);
    assert.equal(limitFor({ kind: 'percent', value: 50 }, 3, 'concurrency'), 1);
  });
  test('a concurrency is at least one node, even as a small percentage of few targets', () => {
    assert.equal(limitFor({ kind: 'percent', value: 1 }, 10, 'concurrency'), 1);
    assert.equal(limitFor({ kind: 'percent', value: 1 }, 0, 'concurrency'), 1);
  });
  test('an error percentage can round to zero', () => {
    assert.equal(limitFor({ kind: 'percent', value: 5 }, 10, 'errors'), 0);
  });
  test('a count is taken as it is', () => {
    assert.equal(limitFor({ kind: 'count', value: 7 }, 3, 'concurrency'), 7);
    assert.equal(limitFor({ kind: 'count', value: 2 }, 3, 'errors'), 2);
  });
});

describe('decideDispatch', () => {
  test('starts up to MaxConcurrency at once', () => {
    assert.deepEqual(decideDispatch(state({ maxConcurrency: 3 })), { start: 3, terminateQueued: false });
  });
  test('starts only as many as the free slots', () => {
    assert.deepEqual(decideDispatch(state({ maxConcurrency: 3, started: 3, inFlight: 2 })), { start: 1, terminateQueued: false });
    assert.deepEqual(decideDispatch(state({ maxConcurrency: 3, started: 3, inFlight: 3 })), { start: 0, terminateQueued: false });
  });
  test('never starts more than remain queued', () => {
    assert.deepEqual(decideDispatch(state({ targetCount: 4, started: 3, inFlight: 0 })), { start: 1, terminateQueued: false });
    assert.deepEqual(decideDispatch(state({ targetCount: 4, started: 4, inFlight: 0 })), { start: 0, terminateQueued: false });
  });
  test('MaxErrors 0: the first error stops the rest from starting', () => {
    assert.deepEqual(decideDispatch(state({ maxConcurrency: 1, started: 1, inFlight: 0, errorCount: 1 })), { start: 0, terminateQueued: true });
  });
  test('errors up to MaxErrors do not stop dispatch', () => {
    assert.deepEqual(decideDispatch(state({ maxConcurrency: 1, maxErrors: 2, started: 2, inFlight: 0, errorCount: 2 })), { start: 1, terminateQueued: false });
    assert.deepEqual(decideDispatch(state({ maxConcurrency: 1, maxErrors: 2, started: 3, inFlight: 0, errorCount: 3 })), { start: 0, terminateQueued: true });
  });
  test('nothing is terminated once every invocation has started', () => {
    assert.deepEqual(decideDispatch(state({ started: 10, inFlight: 5, errorCount: 9 })), { start: 0, terminateQueued: false });
  });
  test('a cancelled command starts nothing more', () => {
    assert.deepEqual(decideDispatch(state({ cancelled: true })), { start: 0, terminateQueued: false });
  });
  test('with more in flight than the limit (never expected) starts nothing', () => {
    assert.deepEqual(decideDispatch(state({ maxConcurrency: 1, started: 2, inFlight: 2 })), { start: 0, terminateQueued: false });
  });
});

describe('commandStatus', () => {
  const opts = { maxErrors: 0, cancelRequested: false };
  test('Pending before anything started, InProgress after', () => {
    assert.deepEqual(commandStatus(counts({ started: 0 }), opts), { status: 'Pending', statusDetails: 'Pending' });
    assert.deepEqual(commandStatus(counts({ started: 1 }), opts), { status: 'InProgress', statusDetails: 'InProgress' });
  });
  test('Cancelling while invocations run after a cancel, Cancelled at the end', () => {
    assert.deepEqual(commandStatus(counts({ success: 1 }), { maxErrors: 0, cancelRequested: true }), { status: 'Cancelling', statusDetails: 'Cancelling' });
    assert.deepEqual(commandStatus(counts({ success: 1, cancelled: 2 }), { maxErrors: 0, cancelRequested: true }), { status: 'Cancelled', statusDetails: 'Cancelled' });
  });
  test('Success when every invocation succeeded', () => {
    assert.deepEqual(commandStatus(counts({ success: 3 }), opts), { status: 'Success', statusDetails: 'Success' });
  });
  test('Failed when errors exceed MaxErrors', () => {
    assert.deepEqual(commandStatus(counts({ success: 2, failed: 1 }), opts), { status: 'Failed', statusDetails: 'Failed' });
    assert.deepEqual(commandStatus(counts({ failed: 1, terminated: 2 }), opts), { status: 'Failed', statusDetails: 'Failed' });
  });
  test('TimedOut (Execution Timed Out) when execution timeouts make most of the errors', () => {
    assert.deepEqual(commandStatus(counts({ success: 1, executionTimedOut: 2 }), { maxErrors: 1, cancelRequested: false }), { status: 'TimedOut', statusDetails: 'ExecutionTimedOut' });
  });
  test('Incomplete (status Failed) when some failed but no more than MaxErrors', () => {
    assert.deepEqual(commandStatus(counts({ success: 2, failed: 1 }), { maxErrors: 1, cancelRequested: false }), { status: 'Failed', statusDetails: 'Incomplete' });
  });
  test('delivery timeouts do not count as errors but end TimedOut past MaxErrors', () => {
    assert.deepEqual(commandStatus(counts({ success: 2, deliveryTimedOut: 1 }), opts), { status: 'TimedOut', statusDetails: 'DeliveryTimedOut' });
    assert.deepEqual(commandStatus(counts({ success: 2, deliveryTimedOut: 1 }), { maxErrors: 1, cancelRequested: false }), { status: 'Failed', statusDetails: 'Incomplete' });
  });
  test('every node Undeliverable is Failed (Undeliverable)', () => {
    assert.deepEqual(commandStatus(counts({ undeliverable: 3 }), opts), { status: 'Failed', statusDetails: 'Undeliverable' });
  });
  test('a tag that matched no node ends at once', () => {
    assert.deepEqual(commandStatus(counts({ targetCount: 0, started: 0 }), opts), { status: 'Success', statusDetails: 'NoInstancesInTag' });
  });
  test('cancelling some nodes of a command that otherwise succeeded ends Cancelled', () => {
    assert.deepEqual(commandStatus(counts({ success: 2, cancelled: 1 }), opts), { status: 'Cancelled', statusDetails: 'Cancelled' });
  });
});

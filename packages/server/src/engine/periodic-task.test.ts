import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../logger.ts';
import { PeriodicTask } from './periodic-task.ts';
import { Writable } from 'node:stream';

function capturedLogger() {
  let text = '';
  const destination = new Writable({ write(chunk, _enc, done) { text += String(chunk); done(); } });
  return { logger: createLogger({ destination }), text: () => text };
}

test('a failed pass is logged with the task name and the loop goes on to the next pass', async () => {
  const { logger, text } = capturedLogger();
  let passes = 0;
  let resolveThird!: () => void;
  const third = new Promise<void>((resolve) => { resolveThird = resolve; });
  const task = new PeriodicTask({
    name: 'test pass', intervalMs: 1, logger,
    run: async () => {
      passes += 1;
      if (passes === 1) throw new Error('boom');
      if (passes === 3) resolveThird();
    },
  });
  task.start();
  await third;
  await task.stop();
  assert.ok(passes >= 3);
  assert.match(text(), /test pass failed/);
});

test('stop waits for the pass in flight and no pass starts after it', async () => {
  const { logger } = capturedLogger();
  let finished = false;
  let started = 0;
  let release!: () => void;
  let markStarted!: () => void;
  const startedOnce = new Promise<void>((resolve) => { markStarted = resolve; });
  const task = new PeriodicTask({
    name: 'slow', intervalMs: 1, logger,
    run: async () => {
      started += 1;
      markStarted();
      await new Promise<void>((resolve) => { release = resolve; });
      finished = true;
    },
  });
  task.start();
  await startedOnce;
  const stopping = task.stop();
  release();
  await stopping;
  assert.equal(finished, true);
  assert.equal(started, 1);
});

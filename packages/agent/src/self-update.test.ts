import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { previousBundleFile, restorePrevious, stageBundle, startSuccessor, swapIn } from './self-update.ts';

function dir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-self-update-'));
}
const sha = (bytes: Buffer | string) => crypto.createHash('sha256').update(bytes).digest('hex');

test('a staged bundle must have the SHA-256 the server announced; the swap keeps the previous one, and restoring puts it back', () => {
  const d = dir();
  try {
    const stable = path.join(d, 'bosun-agent.cjs');
    fs.writeFileSync(stable, 'old');
    const bytes = Buffer.from('new');
    assert.throws(() => stageBundle(stable, { version: '0.2.0', sha256: sha('other'), bytes: 3 }, bytes), /checksum mismatch/);
    assert.deepEqual(fs.readdirSync(d), ['bosun-agent.cjs']);
    const staged = stageBundle(stable, { version: '0.2.0', sha256: sha(bytes), bytes: 3 }, bytes);
    assert.equal(staged, path.join(d, 'bosun-agent-0.2.0.cjs'));
    swapIn(stable, staged);
    assert.equal(fs.readFileSync(stable, 'utf8'), 'new');
    assert.equal(fs.readFileSync(previousBundleFile(stable), 'utf8'), 'old');
    restorePrevious(stable);
    assert.equal(fs.readFileSync(stable, 'utf8'), 'old');
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

function script(text: string): string {
  const file = path.join(dir(), 'agent.cjs');
  fs.writeFileSync(file, text);
  return file;
}

test('startSuccessor hands over once the new agent says it is Online', async () => {
  const file = script('process.send({ type: "bosun-agent-online", version: "0.2.0" }); process.on("disconnect", () => process.exit(0));');
  const handover = await startSuccessor({ file, args: [], timeoutMs: 10_000 });
  assert.ok(handover.ok);
  const exited = new Promise((resolve) => handover.child.once('exit', resolve));
  handover.child.kill('SIGTERM');
  await exited;
});

test('startSuccessor reports a new agent that exits before it is Online', async () => {
  const handover = await startSuccessor({ file: script('process.exit(3);'), args: [], timeoutMs: 10_000 });
  assert.deepEqual(handover, { ok: false, reason: 'the new agent exited (status 3) before it was Online' });
});

test('startSuccessor stops a new agent that is not Online within the timeout, then says so', async () => {
  const started = Date.now();
  const handover = await startSuccessor({ file: script('setInterval(() => {}, 1000);'), args: [], timeoutMs: 500 });
  assert.deepEqual(handover, { ok: false, reason: 'the new agent was not Online within 1 s' });
  assert.ok(Date.now() - started < 5000);
});

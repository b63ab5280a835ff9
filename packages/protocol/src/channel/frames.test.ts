import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFrame, encodeFrame, heartbeatProblem, MAX_FRAME_BYTES } from './frames.ts';

test('decodeFrame accepts a message and an ack, and round-trips encodeFrame', () => {
  const msg = { k: 'msg', id: 'abcdefgh-1', type: 'heartbeat', body: { a: 1 } } as const;
  assert.deepEqual(decodeFrame(encodeFrame(msg as never)), { ok: true, frame: msg });
  assert.deepEqual(decodeFrame('{"k":"ack","id":"abcdefgh-1"}'), { ok: true, frame: { k: 'ack', id: 'abcdefgh-1' } });
});

test('decodeFrame refuses malformed frames with a reason and never throws', () => {
  for (const [text, reason] of [
    ['nope', /not JSON/],
    ['[1]', /not a JSON object/],
    ['{"k":"msg","type":"x","body":{}}', /no valid id/],
    ['{"k":"weird","id":"abcdefgh"}', /unknown frame kind/],
    ['{"k":"msg","id":"abcdefgh","type":"Bad Type","body":{}}', /no valid type/],
    ['{"k":"msg","id":"abcdefgh","type":"x","body":[1]}', /body is not an object/],
  ] as const) {
    const decoded = decodeFrame(text);
    assert.equal(decoded.ok, false, text);
    if (!decoded.ok) assert.match(decoded.reason, reason);
  }
  const big = decodeFrame(Buffer.alloc(MAX_FRAME_BYTES + 1, 0x20));
  assert.equal(big.ok, false);
});

test('heartbeatProblem names the first bad field of a heartbeat body', () => {
  const good = { agentVersion: '1', platformName: 'Debian', platformType: 'Linux', platformVersion: '13', computerName: 'h', ipAddresses: ['10.0.0.1'], clockOffsetMs: 3 };
  assert.equal(heartbeatProblem(good), undefined);
  assert.match(heartbeatProblem({ ...good, platformType: 'BeOS' }) ?? '', /platformType/);
  assert.match(heartbeatProblem({ ...good, ipAddresses: 'x' }) ?? '', /ipAddresses/);
  assert.match(heartbeatProblem({ ...good, clockOffsetMs: 'soon' }) ?? '', /clockOffsetMs/);
});

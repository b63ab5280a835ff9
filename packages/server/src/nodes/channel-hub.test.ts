import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { createLogger } from '../logger.ts';
import { storeTargets, type TestStore } from '../testing/stores.ts';
import { BODY_BY_REFERENCE, ChannelHub } from './channel-hub.ts';
import { enqueueMessage, findMessage } from './nodes-store.ts';

const NOW = 1_800_000_000_000;
const PEER = { accountId: '123456789012', instanceId: 'mi-00000000000000001' };

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A hub on a real store, a real WebSocket server handing each socket to `accept`, and one connected client. */
async function channel(store: TestStore, ready: Promise<void>) {
  const hub = new ChannelHub({ db: store.db, logger: createLogger({ format: 'json', level: 'error', destination: new Writable({ write: (_c, _e, cb) => cb() }) }), now: () => NOW });
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => wss.once('listening', resolve));
  let arrived = 0;
  wss.on('connection', (socket) => {
    socket.on('message', () => arrived++);
    void hub.accept(socket, PEER, ready);
  });
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const frames: { k: string; id: string; type?: string; body?: unknown }[] = [];
  client.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString('utf8')) as never));
  await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
  return {
    hub, client, frames, arrived: () => arrived,
    async close() {
      client.terminate();
      hub.closeAll();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
}

for (const target of storeTargets) {
  describe(`channel hub on ${target.name}`, { skip: target.skip }, () => {
    test('frames a node sends as soon as its socket opens are handled in order once the hub is ready, none lost', async () => {
      const store = await target.open();
      let release!: () => void;
      const ready = new Promise<void>((resolve) => (release = resolve));
      const c = await channel(store, ready);
      try {
        const handled: string[] = [];
        c.hub.handle('node-event', async (_peer, body) => {
          handled.push(body.event);
        });
        c.client.send(JSON.stringify({ k: 'msg', id: 'event-0001', type: 'node-event', body: { event: 'first' } }));
        c.client.send(JSON.stringify({ k: 'msg', id: 'event-0002', type: 'node-event', body: { event: 'second' } }));
        // Both frames reached the server while the route's own write (ready) was still pending.
        await until('both frames at the server', () => c.arrived() === 2);
        assert.deepEqual(handled, []);
        release();
        await until('both frames acked', () => c.frames.filter((f) => f.k === 'ack').length === 2);
        assert.deepEqual(handled, ['first', 'second']);
        assert.deepEqual(c.frames.map((f) => [f.k, f.id]), [['ack', 'event-0001'], ['ack', 'event-0002']]);
      } finally {
        await c.close();
        await store.destroy();
      }
    });

    test('a queued message stored by reference reaches the node with the body its resolver rebuilds, and its ack marks it done', async () => {
      const store = await target.open();
      const c0 = { resolved: [] as string[] };
      try {
        await enqueueMessage(store.db, { message_id: 'command_0001', instance_id: PEER.instanceId, type: 'ping', body: BODY_BY_REFERENCE, created_at: NOW });
        await enqueueMessage(store.db, { message_id: 'command_gone', instance_id: PEER.instanceId, type: 'ping', body: BODY_BY_REFERENCE, created_at: NOW + 1 });
        await enqueueMessage(store.db, { message_id: 'message_0001', instance_id: PEER.instanceId, type: 'ping', body: '{"note":"its own body"}', created_at: NOW + 2 });
        let register!: (hub: ChannelHub) => void;
        const hubReady = new Promise<ChannelHub>((resolve) => (register = resolve));
        // The resolver is registered before the hub takes the socket (as capabilities do at start-up).
        const ready = hubReady.then((hub) => hub.storedBodies('ping', async (row) => {
          c0.resolved.push(row.message_id);
          return row.message_id === 'command_0001' ? JSON.stringify({ note: `rebuilt at ${row.created_at}` }) : undefined;
        }));
        const c = await channel(store, ready);
        try {
          register(c.hub);
          await until('the queue flushed', () => c.frames.length === 2);
          assert.deepEqual(c.frames.map((f) => [f.id, f.type, f.body]), [['command_0001', 'ping', { note: `rebuilt at ${NOW}` }], ['message_0001', 'ping', { note: 'its own body' }]]);
          assert.deepEqual(c0.resolved, ['command_0001', 'command_gone']);
          c.client.send(JSON.stringify({ k: 'ack', id: 'command_0001' }));
          await until('the message acked', async () => (await findMessage(store.db, 'command_0001'))?.state === 'acked');
          assert.equal((await findMessage(store.db, 'command_gone'))?.state, 'queued');
        } finally {
          await c.close();
        }
      } finally {
        await store.destroy();
      }
    });
  });
}

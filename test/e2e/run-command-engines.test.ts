/**
 * Run Command on both stores (a real SQLite file and a real PostgreSQL): a fan-out to
 * scripted nodes with rate control, long output kept whole in the object store (files under
 * the data directory on SQLite, the database on PostgreSQL), and NotificationConfig status
 * changes in the event log.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CreateActivationCommand, GetCommandInvocationCommand, ListCommandsCommand, SendCommandCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { ScriptedNode, readStream, signedGet } from './commands-support.ts';
import { eventually } from './nodes-support.ts';
import { engines, ssmClient, startTestServer, type TestServer } from './support.ts';

for (const engine of engines) {
  describe(`Run Command on ${engine.name}`, { skip: engine.skip }, () => {
    let t: TestServer;
    let ssm: SSMClient;
    const nodes: ScriptedNode[] = [];
    const big = 'z'.repeat(30_000);

    before(async () => {
      t = await startTestServer({ engine: engine.name });
      ssm = ssmClient(t, t.admin);
      const activation = await ssm.send(new CreateActivationCommand({ IamRole: 'BosunNodeRole', RegistrationLimit: 5, Tags: [{ Key: 'Fleet', Value: 'engines' }] }));
      for (let i = 0; i < 5; i++) {
        const n = await ScriptedNode.register(t.url, { id: activation.ActivationId!, code: activation.ActivationCode! }, () => ({ runMs: 50, stdout: big }));
        await n.connect();
        nodes.push(n);
      }
    });
    after(async () => {
      for (const n of nodes) n.disconnect();
      ssm?.destroy();
      await t?.destroy();
    });

    test('a command runs on every node; long output is kept whole in the object store; notifications reach the event log', async () => {
      const sent = await ssm.send(new SendCommandCommand({
        DocumentName: 'AWS-RunShellScript', Targets: [{ Key: 'tag:Fleet', Values: ['engines'] }], MaxConcurrency: '40%', Parameters: { commands: ['cat big'] },
        NotificationConfig: { NotificationEvents: ['All'], NotificationType: 'Command' },
      }));
      const commandId = sent.Command!.CommandId!;
      assert.equal(sent.Command!.MaxConcurrency, '40%');
      const lines = await readStream(t.url, t.admin, commandId);
      assert.deepEqual(lines.at(-1), { type: 'command', status: 'Success', targetCount: 5, completedCount: 5, errorCount: 0, deliveryTimedOutCount: 0 });
      assert.deepEqual(nodes.map((n) => n.received.length), [1, 1, 1, 1, 1]);
      const done = (await ssm.send(new ListCommandsCommand({ CommandId: commandId }))).Commands![0];
      assert.deepEqual([done.Status, done.CompletedCount], ['Success', 5]);
      const got = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: nodes[0].instanceId }));
      assert.equal(got.StandardOutputContent!.length, 24_000);
      const whole = await signedGet(`${t.url}/bosun/v1/commands/${commandId}/invocations/${nodes[0].instanceId}/output?stream=stdout`, t.admin);
      assert.equal(whole.text, big);
      if (t.dataDir) {
        const dir = path.join(t.dataDir, 'objects', 'commands', commandId);
        assert.equal(fs.readdirSync(dir).length, 5, 'one folder per node under the data directory');
      } else {
        const objects = await t.server.store.db.selectFrom('stored_objects').select('object_key').where('object_key', 'like', `commands/${commandId}/%`).execute();
        assert.equal(objects.length, 5, 'one object per node in the database');
      }
      const events = await eventually('status events', async () => {
        const rows = await t.server.store.db.selectFrom('events').selectAll().where('detail_type', '=', 'EC2 Command Status-change Notification').execute();
        const statuses = rows.map((r) => (JSON.parse(r.detail) as { status: string; 'command-id': string })).filter((d) => d['command-id'] === commandId).map((d) => d.status);
        return statuses.includes('Success') ? statuses : undefined;
      });
      assert.ok(events.includes('InProgress'), `events: ${events.join(', ')}`);
    });

    test('MaxConcurrency is respected: no node received its invocation while two others were running', async () => {
      for (const n of nodes) n.script = () => ({ runMs: 150, stdout: 'x' });
      const before = nodes.map((n) => n.received.length);
      const sent = await ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', Targets: [{ Key: 'tag:Fleet', Values: ['engines'] }], MaxConcurrency: '2', Parameters: { commands: ['true'] } }));
      const commandId = sent.Command!.CommandId!;
      await eventually('Success', async () => (await ssm.send(new ListCommandsCommand({ CommandId: commandId }))).Commands![0].Status === 'Success');
      const spans = [];
      for (const n of nodes) {
        const inv = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: n.instanceId }));
        spans.push([Date.parse(inv.ExecutionStartDateTime!), Date.parse(inv.ExecutionEndDateTime!)]);
      }
      for (const [start] of spans) {
        const running = spans.filter(([s, e]) => s <= start && e > start).length;
        assert.ok(running <= 2, `${running} invocations ran at once: ${JSON.stringify(spans)}`);
      }
      assert.deepEqual(nodes.map((n, i) => n.received.length - before[i]), [1, 1, 1, 1, 1]);
    });
  });
}

/**
 * Patch baselines and patch groups through the SDK against a real server: a baseline made,
 * read, changed, made the default and registered with a patch group; the predefined baselines;
 * bad input refused with AWS's errors (from the generated constraints and from the handlers)
 * and nothing created.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreatePatchBaselineCommand, DeletePatchBaselineCommand, DeregisterPatchBaselineForPatchGroupCommand, DescribePatchBaselinesCommand, DescribePatchGroupsCommand,
  GetDefaultPatchBaselineCommand, GetPatchBaselineCommand, GetPatchBaselineForPatchGroupCommand, RegisterDefaultPatchBaselineCommand,
  RegisterPatchBaselineForPatchGroupCommand, UpdatePatchBaselineCommand, AddTagsToResourceCommand, ListTagsForResourceCommand, type OperatingSystem, type SSMClient,
} from '@aws-sdk/client-ssm';
import { bosunEnv, engines, rejection, runBosun, ssmClient, startTestServer, type TestServer } from './support.ts';

const debian = {
  Name: 'debian-web', OperatingSystem: 'DEBIAN' as const,
  ApprovalRules: { PatchRules: [{ PatchFilterGroup: { PatchFilters: [{ Key: 'PRIORITY' as const, Values: ['Required', 'Important'] }] }, ComplianceLevel: 'HIGH' as const }] },
  RejectedPatches: ['telnet'], RejectedPatchesAction: 'BLOCK' as const,
};

for (const engine of engines) {
  describe(`patch baselines over the AWS API (${engine.name})`, { skip: engine.skip }, () => {
    let t: TestServer;
    let ssm: SSMClient;
    before(async () => {
      t = await startTestServer({ engine: engine.name });
      ssm = ssmClient(t, t.admin);
    });
    after(async () => {
      ssm?.destroy();
      await t?.destroy();
    });

    const own = async () => (await ssm.send(new DescribePatchBaselinesCommand({ Filters: [{ Key: 'OWNER', Values: ['Self'] }] }))).BaselineIdentities ?? [];

    test('a baseline is made, read with its dates, made the default, registered with a group, then deleted', async () => {
      const { BaselineId } = await ssm.send(new CreatePatchBaselineCommand({ ...debian, Tags: [{ Key: 'team', Value: 'web' }] }));
      assert.ok(BaselineId);
      const got = await ssm.send(new GetPatchBaselineCommand({ BaselineId }));
      assert.equal(got.Name, 'debian-web');
      assert.ok(got.CreatedDate instanceof Date && Math.abs(got.CreatedDate.getTime() - Date.now()) < 3_600_000);
      assert.deepEqual(got.RejectedPatches, ['telnet']);
      assert.equal(got.ApprovalRules?.PatchRules?.[0].ComplianceLevel, 'HIGH');

      const tags = async () => (await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'PatchBaseline', ResourceId: BaselineId }))).TagList;
      assert.deepEqual(await tags(), [{ Key: 'team', Value: 'web' }]);
      await ssm.send(new AddTagsToResourceCommand({ ResourceType: 'PatchBaseline', ResourceId: BaselineId, Tags: [{ Key: 'tier', Value: 'front' }] }));
      assert.deepEqual(await tags(), [{ Key: 'team', Value: 'web' }, { Key: 'tier', Value: 'front' }]);

      const updated = await ssm.send(new UpdatePatchBaselineCommand({ BaselineId, Description: 'web servers' }));
      assert.equal(updated.Description, 'web servers');
      assert.deepEqual(updated.RejectedPatches, ['telnet']);

      await ssm.send(new RegisterDefaultPatchBaselineCommand({ BaselineId }));
      assert.equal((await ssm.send(new GetDefaultPatchBaselineCommand({ OperatingSystem: 'DEBIAN' }))).BaselineId, BaselineId);
      await ssm.send(new RegisterPatchBaselineForPatchGroupCommand({ BaselineId, PatchGroup: 'web' }));
      const groups = (await ssm.send(new DescribePatchGroupsCommand({}))).Mappings ?? [];
      assert.deepEqual(groups.map((g) => [g.PatchGroup, g.BaselineIdentity?.BaselineId, g.BaselineIdentity?.DefaultBaseline]), [['web', BaselineId, true]]);
      assert.equal((await ssm.send(new GetPatchBaselineForPatchGroupCommand({ PatchGroup: 'web', OperatingSystem: 'DEBIAN' }))).BaselineId, BaselineId);

      assert.equal((await rejection(ssm.send(new DeletePatchBaselineCommand({ BaselineId })))).name, 'ResourceInUseException');
      const second = await ssm.send(new CreatePatchBaselineCommand({ ...debian, Name: 'debian-other' }));
      assert.equal((await rejection(ssm.send(new RegisterPatchBaselineForPatchGroupCommand({ BaselineId: second.BaselineId, PatchGroup: 'web' })))).name, 'AlreadyExistsException');

      await ssm.send(new DeregisterPatchBaselineForPatchGroupCommand({ BaselineId, PatchGroup: 'web' }));
      const predefined = (await ssm.send(new DescribePatchBaselinesCommand({ Filters: [{ Key: 'NAME_PREFIX', Values: ['AWS-Debian'] }] }))).BaselineIdentities ?? [];
      assert.equal(predefined.length, 1);
      await ssm.send(new RegisterDefaultPatchBaselineCommand({ BaselineId: predefined[0].BaselineId }));
      await ssm.send(new DeletePatchBaselineCommand({ BaselineId }));
      await ssm.send(new DeletePatchBaselineCommand({ BaselineId: second.BaselineId }));
      assert.deepEqual(await own(), []);
    });

    test('the predefined baselines are readable by every account', async () => {
      const other = ssmClient(t, await t.newAccount());
      try {
        const { BaselineId } = await other.send(new GetDefaultPatchBaselineCommand({ OperatingSystem: 'AMAZON_LINUX_2023' }));
        const got = await other.send(new GetPatchBaselineCommand({ BaselineId }));
        assert.equal(got.Name, 'AWS-AmazonLinux2023DefaultPatchBaseline');
        assert.equal(got.CreatedDate, undefined);
      } finally {
        other.destroy();
      }
    });

    test('bosun patch baselines ls and show print tables, and --json the API\'s shapes', async () => {
      const env = bosunEnv({ BOSUN_ENDPOINT: t.url, AWS_ACCESS_KEY_ID: t.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: t.admin.secretAccessKey, AWS_REGION: 'us-east-1' });
      const { BaselineId } = await ssm.send(new CreatePatchBaselineCommand({ ...debian, Name: 'cli-debian', Description: 'for the CLI' }));
      try {
        const ls = await runBosun(['patch', 'baselines', 'ls', '--os', 'debian'], { env });
        assert.equal(ls.code, 0, ls.stderr);
        assert.match(ls.stdout, /^BASELINE ID\s+NAME\s+OPERATING SYSTEM\s+DEFAULT\s+DESCRIPTION/m);
        assert.match(ls.stdout, /arn:aws:ssm:us-east-1::patchbaseline\/pb-[0-9a-f]{17}\s+AWS-DebianDefaultPatchBaseline\s+DEBIAN\s+yes/);
        assert.match(ls.stdout, new RegExp(`${BaselineId}\\s+cli-debian\\s+DEBIAN\\s+no\\s+for the CLI`));
        assert.doesNotMatch(ls.stdout, /UBUNTU/);
        const json = await runBosun(['patch', 'baselines', 'ls', '--owner', 'Self', '--json'], { env });
        assert.equal(json.code, 0, json.stderr);
        assert.deepEqual((JSON.parse(json.stdout) as { BaselineId: string }[]).map((b) => b.BaselineId), [BaselineId]);
        const show = await runBosun(['patch', 'baselines', 'show', BaselineId!], { env });
        assert.equal(show.code, 0, show.stderr);
        assert.match(show.stdout, /Rejected patches\s+telnet \(blocked, even as dependencies\)/);
        assert.match(show.stdout, /^1\s+PRIORITY=Required,Important\s+when matched\s+HIGH\s+no/m);
        const missing = await runBosun(['patch', 'baselines', 'show', 'pb-0123456789abcdef0'], { env });
        assert.notEqual(missing.code, 0);
        assert.match(missing.stderr, /DoesNotExistException|does not exist/);
      } finally {
        await ssm.send(new DeletePatchBaselineCommand({ BaselineId }));
      }
    });

    test('bad input is refused with AWS\'s errors and nothing is created', async () => {
      const refused = async (input: Record<string, unknown>) => (await rejection(ssm.send(new CreatePatchBaselineCommand(input as never)))).name;
      assert.equal(await refused({ ...debian, OperatingSystem: 'FREEBSD' as OperatingSystem }), 'ValidationException');
      assert.equal(await refused({ ...debian, Name: 'has spaces' }), 'ValidationException');
      assert.equal(await refused({ ...debian, ApprovedPatches: ['Not A Package'] }), 'ValidationException');
      assert.equal(await refused({ ...debian, GlobalFilters: { PatchFilters: [{ Key: 'CLASSIFICATION', Values: ['Security'] }] } }), 'ValidationException');
      assert.equal(await refused({
        Name: 'rocky', OperatingSystem: 'ROCKY_LINUX',
        ApprovalRules: { PatchRules: [{ PatchFilterGroup: { PatchFilters: [{ Key: 'CLASSIFICATION', Values: ['Security'] }] }, ApproveAfterDays: 7, ApproveUntilDate: '2027-01-01' }] },
      }), 'ValidationException');
      assert.equal(await refused({ ...debian, ApprovalRules: { PatchRules: [{ PatchFilterGroup: { PatchFilters: [{ Key: 'PRIORITY', Values: ['Required'] }] }, ApproveAfterDays: 500 }] } }), 'ValidationException');
      assert.deepEqual(await own(), []);
      assert.equal((await rejection(ssm.send(new GetPatchBaselineCommand({ BaselineId: 'pb-0123456789abcdef0' })))).name, 'DoesNotExistException');
    });
  });
}

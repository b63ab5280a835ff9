import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAwsError, type Scope, type ssm } from '@bosun/protocol';
import type { Operation } from '../api/operation.ts';
import type { Db } from '../store/store.ts';
import { fixtures } from '../testing/fixtures.ts';
import { storeTargets } from '../testing/stores.ts';
import { predefinedBaselineId } from './baseline-definitions.ts';
import { patchOperations, type PatchLimits } from './operations.ts';

const NOW = Date.parse('2027-01-05T16:00:00Z');
const SCOPE: Scope = { accountId: '123456789012', region: 'us-east-1' };
const OTHER_ACCOUNT: Scope = { accountId: '210987654321', region: 'us-east-1' };
const OTHER_REGION: Scope = { accountId: '123456789012', region: 'eu-west-1' };

type Ops = Record<string, (input: unknown, scope?: Scope) => Promise<Record<string, unknown>>>;

function operations(db: Db, limits?: PatchLimits): Ops {
  const ops = patchOperations({ db, limits });
  // Each call a second after the one before: rows made by successive calls are ordered by time.
  let calls = 0;
  const call = (op: Operation) => (input: unknown, scope: Scope = SCOPE) => op.handle(fixtures.callContext(scope, { now: NOW + 1000 * calls++ }), input) as Promise<Record<string, unknown>>;
  return Object.fromEntries(ops.map((op: Operation) => [op.name, call(op)]));
}

const code = (expected: string) => (error: unknown) => {
  assert.ok(isAwsError(error), `expected an AWS error, got ${String(error)}`);
  assert.equal(error.code, expected, error.message);
  return true;
};

const rhel = (extra: Partial<ssm.CreatePatchBaselineRequest> = {}): ssm.CreatePatchBaselineRequest => ({
  Name: 'rhel-critical', OperatingSystem: 'REDHAT_ENTERPRISE_LINUX',
  ApprovalRules: { PatchRules: [{ PatchFilterGroup: { PatchFilters: [{ Key: 'CLASSIFICATION', Values: ['Security'] }, { Key: 'SEVERITY', Values: ['Critical'] }] }, ApproveAfterDays: 3, ComplianceLevel: 'CRITICAL' }] },
  ...extra,
});
const ubuntu = (extra: Partial<ssm.CreatePatchBaselineRequest> = {}): ssm.CreatePatchBaselineRequest => ({
  Name: 'ubuntu-all', OperatingSystem: 'UBUNTU',
  ApprovalRules: { PatchRules: [{ PatchFilterGroup: { PatchFilters: [{ Key: 'PRIORITY', Values: ['Required', 'Important'] }, { Key: 'SECTION', Values: ['*'] }] } }] },
  ...extra,
});

async function selfBaselines(ops: Ops, scope: Scope = SCOPE): Promise<ssm.PatchBaselineIdentity[]> {
  const out = await ops.DescribePatchBaselines({ Filters: [{ Key: 'OWNER', Values: ['Self'] }] }, scope);
  return out.BaselineIdentities as ssm.PatchBaselineIdentity[];
}

for (const target of storeTargets) {
  describe(`patch baselines (${target.name})`, { skip: target.skip }, () => {
    async function withOps(fn: (ops: Ops) => Promise<void>, limits?: PatchLimits): Promise<void> {
      const store = await target.open();
      try {
        await fn(operations(store.db, limits));
      } finally {
        await store.destroy();
      }
    }

    test('CreatePatchBaseline then GetPatchBaseline returns the definition with AWS defaults filled in', () => withOps(async (ops) => {
      const { BaselineId } = await ops.CreatePatchBaseline(rhel({ Description: 'critical only', RejectedPatches: ['kernel*'], RejectedPatchesAction: 'BLOCK', Sources: [{ Name: 'epel', Products: ['RedhatEnterpriseLinux9'], Configuration: '[epel]\nname=EPEL' }] }));
      assert.match(String(BaselineId), /^pb-[0-9a-f]{17}$/);
      const got = await ops.GetPatchBaseline({ BaselineId });
      assert.equal(got.Name, 'rhel-critical');
      assert.equal(got.OperatingSystem, 'REDHAT_ENTERPRISE_LINUX');
      assert.equal(got.Description, 'critical only');
      assert.deepEqual(got.ApprovalRules, rhel().ApprovalRules);
      assert.deepEqual(got.GlobalFilters, { PatchFilters: [] });
      assert.deepEqual(got.ApprovedPatches, []);
      assert.deepEqual(got.RejectedPatches, ['kernel*']);
      assert.equal(got.RejectedPatchesAction, 'BLOCK');
      assert.equal(got.ApprovedPatchesComplianceLevel, 'UNSPECIFIED');
      assert.equal(got.ApprovedPatchesEnableNonSecurity, false);
      assert.deepEqual(got.PatchGroups, []);
      assert.equal((got.Sources as ssm.PatchSource[])[0].Name, 'epel');
      assert.equal((got.CreatedDate as Date).getTime(), NOW);
      assert.equal((got.ModifiedDate as Date).getTime(), NOW);
    }));

    test('CreatePatchBaseline with a used ClientToken returns the first baseline, and IdempotentParameterMismatch when the request differs', () => withOps(async (ops) => {
      const first = await ops.CreatePatchBaseline(rhel({ ClientToken: 'token-1' }));
      const again = await ops.CreatePatchBaseline(rhel({ ClientToken: 'token-1' }));
      assert.equal(again.BaselineId, first.BaselineId);
      await assert.rejects(ops.CreatePatchBaseline(rhel({ ClientToken: 'token-1', Description: 'other' })), code('IdempotentParameterMismatch'));
      assert.equal((await selfBaselines(ops)).length, 1);
    }));

    test('CreatePatchBaseline refuses a rule with both ApproveAfterDays and ApproveUntilDate and creates nothing', () => withOps(async (ops) => {
      const rules = { PatchRules: [{ PatchFilterGroup: { PatchFilters: [{ Key: 'CLASSIFICATION' as const, Values: ['Security'] }] }, ApproveAfterDays: 7, ApproveUntilDate: '2027-01-01' }] };
      await assert.rejects(ops.CreatePatchBaseline(rhel({ ApprovalRules: rules })), code('ValidationException'));
      assert.deepEqual(await selfBaselines(ops), []);
    }));

    test('CreatePatchBaseline refuses an RPM rule with neither ApproveAfterDays nor ApproveUntilDate', () => withOps(async (ops) => {
      const rules = { PatchRules: [{ PatchFilterGroup: { PatchFilters: [{ Key: 'CLASSIFICATION' as const, Values: ['Security'] }] } }] };
      await assert.rejects(ops.CreatePatchBaseline(rhel({ OperatingSystem: 'ROCKY_LINUX', ApprovalRules: rules })), code('ValidationException'));
    }));

    test('CreatePatchBaseline refuses ApproveAfterDays on Debian, whose patches carry no release date', () => withOps(async (ops) => {
      const rules = { PatchRules: [{ PatchFilterGroup: { PatchFilters: [{ Key: 'PRIORITY' as const, Values: ['Required'] }] }, ApproveAfterDays: 7 }] };
      await assert.rejects(ops.CreatePatchBaseline(ubuntu({ OperatingSystem: 'DEBIAN', ApprovalRules: rules })), code('ValidationException'));
    }));

    test('CreatePatchBaseline refuses an ApproveUntilDate that is not a calendar date', () => withOps(async (ops) => {
      const rules = { PatchRules: [{ PatchFilterGroup: { PatchFilters: [{ Key: 'CLASSIFICATION' as const, Values: ['Security'] }] }, ApproveUntilDate: '2027-02-30' }] };
      await assert.rejects(ops.CreatePatchBaseline(rhel({ OperatingSystem: 'AMAZON_LINUX_2023', ApprovalRules: rules })), code('ValidationException'));
    }));

    test('CreatePatchBaseline refuses filter keys the operating system does not have', () => withOps(async (ops) => {
      const debianWithClassification = { PatchRules: [{ PatchFilterGroup: { PatchFilters: [{ Key: 'CLASSIFICATION' as const, Values: ['Security'] }] } }] };
      await assert.rejects(ops.CreatePatchBaseline(ubuntu({ OperatingSystem: 'DEBIAN', ApprovalRules: debianWithClassification })), code('ValidationException'));
      await assert.rejects(ops.CreatePatchBaseline(rhel({ GlobalFilters: { PatchFilters: [{ Key: 'PRIORITY', Values: ['Required'] }] } })), code('ValidationException'));
      assert.deepEqual(await selfBaselines(ops), []);
    }));

    test('CreatePatchBaseline refuses a filter value the operating system does not know, and a key given twice', () => withOps(async (ops) => {
      await assert.rejects(ops.CreatePatchBaseline(rhel({ GlobalFilters: { PatchFilters: [{ Key: 'SEVERITY', Values: ['Medium'] }] } })), code('ValidationException'));
      await assert.rejects(ops.CreatePatchBaseline(rhel({ GlobalFilters: { PatchFilters: [{ Key: 'PRODUCT', Values: ['*'] }, { Key: 'PRODUCT', Values: ['RedhatEnterpriseLinux9'] }] } })), code('ValidationException'));
    }));

    test('CreatePatchBaseline refuses an operating system Bosun does not patch, and WINDOWS when OperatingSystem is omitted', () => withOps(async (ops) => {
      await assert.rejects(ops.CreatePatchBaseline({ Name: 'mac', OperatingSystem: 'MACOS' }), code('ValidationException'));
      await assert.rejects(ops.CreatePatchBaseline({ Name: 'windows' }), code('ValidationException'));
      assert.deepEqual(await selfBaselines(ops), []);
    }));

    test('CreatePatchBaseline refuses malformed patch names for the operating system', () => withOps(async (ops) => {
      await assert.rejects(ops.CreatePatchBaseline(ubuntu({ ApprovedPatches: ['Libc6'] })), code('ValidationException'));
      await assert.rejects(ops.CreatePatchBaseline(ubuntu({ RejectedPatches: ['open ssl'] })), code('ValidationException'));
      await assert.rejects(ops.CreatePatchBaseline(rhel({ ApprovedPatches: ['kernel/x86_64'] })), code('ValidationException'));
      assert.deepEqual(await selfBaselines(ops), []);
    }));

    test('CreatePatchBaseline accepts the documented RPM patch forms', () => withOps(async (ops) => {
      const { BaselineId } = await ops.CreatePatchBaseline(rhel({ ApprovedPatches: ['dbus.x86_64:1:1.12.28-1.amzn2023.0.1', 'CVE-2018-1234567', 'RHSA-2017:0864', '1234567'] }));
      assert.equal((await ops.GetPatchBaseline({ BaselineId })).ApprovedPatches instanceof Array, true);
    }));

    test('CreatePatchBaseline refuses a patch that is both approved and rejected', () => withOps(async (ops) => {
      await assert.rejects(ops.CreatePatchBaseline(ubuntu({ ApprovedPatches: ['openssl'], RejectedPatches: ['openssl'] })), code('ValidationException'));
    }));

    test('CreatePatchBaseline refuses names reserved for AWS predefined baselines', () => withOps(async (ops) => {
      await assert.rejects(ops.CreatePatchBaseline(ubuntu({ Name: 'AWS-UbuntuDefaultPatchBaseline' })), code('ValidationException'));
    }));

    test('CreatePatchBaseline refuses more baselines than the limit', () => withOps(async (ops) => {
      await ops.CreatePatchBaseline(ubuntu({ Name: 'one' }));
      await ops.CreatePatchBaseline(ubuntu({ Name: 'two' }));
      await assert.rejects(ops.CreatePatchBaseline(ubuntu({ Name: 'three' })), code('ResourceLimitExceededException'));
    }, { baselines: 2 }));

    test('UpdatePatchBaseline without Replace keeps the members it is not given', () => withOps(async (ops) => {
      const { BaselineId } = await ops.CreatePatchBaseline(ubuntu({ Description: 'first', RejectedPatches: ['telnet'] }));
      const out = await ops.UpdatePatchBaseline({ BaselineId, ApprovedPatches: ['openssl'] });
      assert.deepEqual(out.ApprovedPatches, ['openssl']);
      assert.deepEqual(out.RejectedPatches, ['telnet']);
      assert.equal(out.Description, 'first');
      assert.equal(out.Name, 'ubuntu-all');
      assert.deepEqual((await ops.GetPatchBaseline({ BaselineId })).ApprovedPatches, ['openssl']);
    }));

    test('UpdatePatchBaseline with Replace clears the members it is not given', () => withOps(async (ops) => {
      const { BaselineId } = await ops.CreatePatchBaseline(ubuntu({ Description: 'first', RejectedPatches: ['telnet'] }));
      const out = await ops.UpdatePatchBaseline({ BaselineId, Name: 'ubuntu-replaced', Replace: true });
      assert.equal(out.Name, 'ubuntu-replaced');
      assert.deepEqual(out.RejectedPatches, []);
      assert.deepEqual(out.ApprovalRules, { PatchRules: [] });
      assert.equal(out.Description, undefined);
    }));

    test('UpdatePatchBaseline with Replace needs a Name, and refuses a definition that is not valid, changing nothing', () => withOps(async (ops) => {
      const { BaselineId } = await ops.CreatePatchBaseline(ubuntu());
      await assert.rejects(ops.UpdatePatchBaseline({ BaselineId, Replace: true }), code('ValidationException'));
      await assert.rejects(ops.UpdatePatchBaseline({ BaselineId, GlobalFilters: { PatchFilters: [{ Key: 'SEVERITY', Values: ['Critical'] }] } }), code('ValidationException'));
      const got = await ops.GetPatchBaseline({ BaselineId });
      assert.deepEqual(got.GlobalFilters, { PatchFilters: [] });
      assert.deepEqual(got.ApprovalRules, ubuntu().ApprovalRules);
    }));

    test('UpdatePatchBaseline of a baseline that is not there is DoesNotExistException, of a predefined one ValidationException', () => withOps(async (ops) => {
      await assert.rejects(ops.UpdatePatchBaseline({ BaselineId: 'pb-0123456789abcdef0', Name: 'x-y-z' }), code('DoesNotExistException'));
      const { BaselineId } = await ops.GetDefaultPatchBaseline({ OperatingSystem: 'UBUNTU' });
      await assert.rejects(ops.UpdatePatchBaseline({ BaselineId, Name: 'mine' }), code('ValidationException'));
    }));

    test('GetPatchBaseline answers a malformed id with InvalidResourceId and a missing one with DoesNotExistException', () => withOps(async (ops) => {
      await assert.rejects(ops.GetPatchBaseline({ BaselineId: 'not-a-baseline-id-at-all' }), code('InvalidResourceId'));
      await assert.rejects(ops.GetPatchBaseline({ BaselineId: 'pb-0123456789abcdef0' }), code('DoesNotExistException'));
    }));

    test('GetPatchBaseline accepts the baseline ARN of the caller\'s account and Region', () => withOps(async (ops) => {
      const { BaselineId } = await ops.CreatePatchBaseline(ubuntu());
      const got = await ops.GetPatchBaseline({ BaselineId: `arn:aws:ssm:us-east-1:123456789012:patchbaseline/${String(BaselineId)}` });
      assert.equal(got.BaselineId, BaselineId);
    }));

    test('a baseline is visible only in its account and Region', () => withOps(async (ops) => {
      const { BaselineId } = await ops.CreatePatchBaseline(ubuntu());
      await assert.rejects(ops.GetPatchBaseline({ BaselineId }, OTHER_ACCOUNT), code('DoesNotExistException'));
      await assert.rejects(ops.GetPatchBaseline({ BaselineId }, OTHER_REGION), code('DoesNotExistException'));
      assert.deepEqual(await selfBaselines(ops, OTHER_ACCOUNT), []);
    }));

    test('the predefined baselines are every account\'s defaults, with AWS\'s rules', () => withOps(async (ops) => {
      const aws = (await ops.DescribePatchBaselines({ Filters: [{ Key: 'OWNER', Values: ['AWS'] }] }, OTHER_ACCOUNT)).BaselineIdentities as ssm.PatchBaselineIdentity[];
      assert.deepEqual(aws.map((b) => b.BaselineName).sort(), [
        'AWS-AmazonLinux2023DefaultPatchBaseline', 'AWS-DebianDefaultPatchBaseline', 'AWS-RedHatDefaultPatchBaseline', 'AWS-RockyLinuxDefaultPatchBaseline', 'AWS-UbuntuDefaultPatchBaseline',
      ]);
      assert.ok(aws.every((b) => b.DefaultBaseline === true));
      const { BaselineId } = await ops.GetDefaultPatchBaseline({ OperatingSystem: 'REDHAT_ENTERPRISE_LINUX' });
      assert.equal(BaselineId, predefinedBaselineId('us-east-1', 'AWS-RedHatDefaultPatchBaseline'));
      const rules = (await ops.GetPatchBaseline({ BaselineId })).ApprovalRules as ssm.PatchRuleGroup;
      assert.deepEqual(rules.PatchRules[0].PatchFilterGroup.PatchFilters, [{ Key: 'CLASSIFICATION', Values: ['Security'] }, { Key: 'SEVERITY', Values: ['Critical', 'Important'] }]);
      assert.equal(rules.PatchRules[0].ApproveAfterDays, 7);
    }));

    test('GetDefaultPatchBaseline without OperatingSystem asks for WINDOWS, which Bosun does not patch', () => withOps(async (ops) => {
      await assert.rejects(ops.GetDefaultPatchBaseline({}), code('ValidationException'));
    }));

    test('RegisterDefaultPatchBaseline makes a custom baseline the default of its OS for that account only', () => withOps(async (ops) => {
      const { BaselineId } = await ops.CreatePatchBaseline(ubuntu());
      assert.deepEqual(await ops.RegisterDefaultPatchBaseline({ BaselineId }), { BaselineId });
      assert.equal((await ops.GetDefaultPatchBaseline({ OperatingSystem: 'UBUNTU' })).BaselineId, BaselineId);
      assert.equal((await ops.GetDefaultPatchBaseline({ OperatingSystem: 'UBUNTU' }, OTHER_ACCOUNT)).BaselineId, predefinedBaselineId('us-east-1', 'AWS-UbuntuDefaultPatchBaseline'));
      const ids = (await ops.DescribePatchBaselines({ Filters: [{ Key: 'OPERATING_SYSTEM', Values: ['UBUNTU'] }] })).BaselineIdentities as ssm.PatchBaselineIdentity[];
      assert.deepEqual(ids.map((b) => [b.BaselineName, b.DefaultBaseline]), [['AWS-UbuntuDefaultPatchBaseline', false], ['ubuntu-all', true]]);
    }));

    test('DeletePatchBaseline refuses the default baseline with ResourceInUseException until another default is registered', () => withOps(async (ops) => {
      const { BaselineId } = await ops.CreatePatchBaseline(ubuntu());
      await ops.RegisterDefaultPatchBaseline({ BaselineId });
      await assert.rejects(ops.DeletePatchBaseline({ BaselineId }), code('ResourceInUseException'));
      await ops.RegisterDefaultPatchBaseline({ BaselineId: predefinedBaselineId('us-east-1', 'AWS-UbuntuDefaultPatchBaseline') });
      assert.deepEqual(await ops.DeletePatchBaseline({ BaselineId }), { BaselineId });
      await assert.rejects(ops.GetPatchBaseline({ BaselineId }), code('DoesNotExistException'));
    }));

    test('RegisterDefaultPatchBaseline of a baseline that is not there is DoesNotExistException', () => withOps(async (ops) => {
      await assert.rejects(ops.RegisterDefaultPatchBaseline({ BaselineId: 'pb-0123456789abcdef0' }), code('DoesNotExistException'));
    }));

    test('a patch group has one baseline per operating system', () => withOps(async (ops) => {
      const u = (await ops.CreatePatchBaseline(ubuntu())).BaselineId;
      const u2 = (await ops.CreatePatchBaseline(ubuntu({ Name: 'ubuntu-two' }))).BaselineId;
      const r = (await ops.CreatePatchBaseline(rhel())).BaselineId;
      assert.deepEqual(await ops.RegisterPatchBaselineForPatchGroup({ BaselineId: u, PatchGroup: 'web' }), { BaselineId: u, PatchGroup: 'web' });
      await ops.RegisterPatchBaselineForPatchGroup({ BaselineId: r, PatchGroup: 'web' });
      await assert.rejects(ops.RegisterPatchBaselineForPatchGroup({ BaselineId: u2, PatchGroup: 'web' }), code('AlreadyExistsException'));
      assert.equal((await ops.GetPatchBaselineForPatchGroup({ PatchGroup: 'web', OperatingSystem: 'UBUNTU' })).BaselineId, u);
      assert.equal((await ops.GetPatchBaselineForPatchGroup({ PatchGroup: 'web', OperatingSystem: 'REDHAT_ENTERPRISE_LINUX' })).BaselineId, r);
      assert.deepEqual((await ops.GetPatchBaseline({ BaselineId: u })).PatchGroups, ['web']);
    }));

    test('GetPatchBaselineForPatchGroup of a group with no baseline for the OS answers the default baseline', () => withOps(async (ops) => {
      const out = await ops.GetPatchBaselineForPatchGroup({ PatchGroup: 'db', OperatingSystem: 'DEBIAN' });
      assert.deepEqual(out, { BaselineId: predefinedBaselineId('us-east-1', 'AWS-DebianDefaultPatchBaseline'), PatchGroup: 'db', OperatingSystem: 'DEBIAN' });
    }));

    test('DeletePatchBaseline refuses a baseline registered with a patch group until it is deregistered', () => withOps(async (ops) => {
      const { BaselineId } = await ops.CreatePatchBaseline(ubuntu());
      await ops.RegisterPatchBaselineForPatchGroup({ BaselineId, PatchGroup: 'web' });
      await assert.rejects(ops.DeletePatchBaseline({ BaselineId }), code('ResourceInUseException'));
      assert.deepEqual(await ops.DeregisterPatchBaselineForPatchGroup({ BaselineId, PatchGroup: 'web' }), { BaselineId, PatchGroup: 'web' });
      await assert.rejects(ops.DeregisterPatchBaselineForPatchGroup({ BaselineId, PatchGroup: 'web' }), code('InvalidResourceId'));
      await ops.DeletePatchBaseline({ BaselineId });
      assert.deepEqual(await selfBaselines(ops), []);
    }));

    test('RegisterPatchBaselineForPatchGroup refuses more groups than a baseline may have', () => withOps(async (ops) => {
      const { BaselineId } = await ops.CreatePatchBaseline(ubuntu());
      await ops.RegisterPatchBaselineForPatchGroup({ BaselineId, PatchGroup: 'a' });
      await assert.rejects(ops.RegisterPatchBaselineForPatchGroup({ BaselineId, PatchGroup: 'b' }), code('ResourceLimitExceededException'));
    }, { patchGroupsPerBaseline: 1 }));

    test('DescribePatchGroups lists the mappings, filtered by name prefix and operating system', () => withOps(async (ops) => {
      const u = (await ops.CreatePatchBaseline(ubuntu())).BaselineId;
      const debian = predefinedBaselineId('us-east-1', 'AWS-DebianDefaultPatchBaseline');
      await ops.RegisterPatchBaselineForPatchGroup({ BaselineId: u, PatchGroup: 'web-prod' });
      await ops.RegisterPatchBaselineForPatchGroup({ BaselineId: debian, PatchGroup: 'web-test' });
      await ops.RegisterPatchBaselineForPatchGroup({ BaselineId: u, PatchGroup: 'db' });
      const all = (await ops.DescribePatchGroups({})).Mappings as ssm.PatchGroupPatchBaselineMapping[];
      assert.deepEqual(all.map((m) => [m.PatchGroup, m.BaselineIdentity?.BaselineName]), [['db', 'ubuntu-all'], ['web-prod', 'ubuntu-all'], ['web-test', 'AWS-DebianDefaultPatchBaseline']]);
      const web = (await ops.DescribePatchGroups({ Filters: [{ Key: 'NAME_PREFIX', Values: ['web'] }, { Key: 'OPERATING_SYSTEM', Values: ['UBUNTU'] }] })).Mappings as ssm.PatchGroupPatchBaselineMapping[];
      assert.deepEqual(web.map((m) => m.PatchGroup), ['web-prod']);
      await assert.rejects(ops.DescribePatchGroups({ Filters: [{ Key: 'OWNER', Values: ['Self'] }] }), code('ValidationException'));
    }));

    test('DescribePatchBaselines pages through every baseline once, and refuses a token it did not make', () => withOps(async (ops) => {
      for (const name of ['b-one', 'b-two', 'b-three']) await ops.CreatePatchBaseline(ubuntu({ Name: name }));
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const out = await ops.DescribePatchBaselines({ MaxResults: 2, NextToken: token });
        const ids = out.BaselineIdentities as ssm.PatchBaselineIdentity[];
        assert.ok(ids.length <= 2);
        seen.push(...ids.map((b) => String(b.BaselineName)));
        token = out.NextToken as string | undefined;
      } while (token);
      assert.equal(seen.length, 8);
      assert.equal(new Set(seen).size, 8);
      assert.deepEqual(seen.slice(5), ['b-one', 'b-two', 'b-three']);
      await assert.rejects(ops.DescribePatchBaselines({ NextToken: 'garbage' }), code('InvalidNextToken'));
    }));

    test('DescribePatchBaselines filters by name prefix and refuses an unknown filter key', () => withOps(async (ops) => {
      await ops.CreatePatchBaseline(ubuntu({ Name: 'team-a' }));
      await ops.CreatePatchBaseline(ubuntu({ Name: 'team-b' }));
      await ops.CreatePatchBaseline(ubuntu({ Name: 'other' }));
      const out = (await ops.DescribePatchBaselines({ Filters: [{ Key: 'NAME_PREFIX', Values: ['team-'] }] })).BaselineIdentities as ssm.PatchBaselineIdentity[];
      assert.deepEqual(out.map((b) => b.BaselineName), ['team-a', 'team-b']);
      await assert.rejects(ops.DescribePatchBaselines({ Filters: [{ Key: 'COLOUR', Values: ['x'] }] }), code('ValidationException'));
    }));

    test('DescribePatchProperties answers what Bosun knows of the OS and refuses a property it does not have', () => withOps(async (ops) => {
      const out = await ops.DescribePatchProperties({ OperatingSystem: 'UBUNTU', Property: 'PRIORITY' });
      assert.deepEqual(out.Properties, ['Required', 'Important', 'Standard', 'Optional', 'Extra'].map((Name) => ({ Name })));
      const first = await ops.DescribePatchProperties({ OperatingSystem: 'REDHAT_ENTERPRISE_LINUX', Property: 'CLASSIFICATION', MaxResults: 2 });
      assert.equal((first.Properties as unknown[]).length, 2);
      const rest = await ops.DescribePatchProperties({ OperatingSystem: 'REDHAT_ENTERPRISE_LINUX', Property: 'CLASSIFICATION', NextToken: first.NextToken });
      assert.equal((rest.Properties as unknown[]).length, 3);
      await assert.rejects(ops.DescribePatchProperties({ OperatingSystem: 'REDHAT_ENTERPRISE_LINUX', Property: 'PRIORITY' }), code('ValidationException'));
    }));
  });
}

for (const target of storeTargets) {
  describe(`patch store races (${target.name})`, { skip: target.skip }, () => {
    test('two registrations of one patch group and OS at once leave one, the other answered AlreadyExistsException', async () => {
      const store = await target.open();
      try {
        const ops = operations(store.db);
        const a = (await ops.CreatePatchBaseline(ubuntu({ Name: 'race-a' }))).BaselineId;
        const b = (await ops.CreatePatchBaseline(ubuntu({ Name: 'race-b' }))).BaselineId;
        const results = await Promise.allSettled([a, b].map((BaselineId) => ops.RegisterPatchBaselineForPatchGroup({ BaselineId, PatchGroup: 'web' })));
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        const failed = results.find((r) => r.status === 'rejected');
        assert.ok(failed && code('AlreadyExistsException')(failed.reason));
        assert.equal(((await ops.DescribePatchGroups({})).Mappings as unknown[]).length, 1);
      } finally {
        await store.destroy();
      }
    });

    test('two default registrations for one OS at once leave one default', async () => {
      const store = await target.open();
      try {
        const ops = operations(store.db);
        const ids = [(await ops.CreatePatchBaseline(ubuntu({ Name: 'default-a' }))).BaselineId, (await ops.CreatePatchBaseline(ubuntu({ Name: 'default-b' }))).BaselineId];
        await Promise.all(ids.map((BaselineId) => ops.RegisterDefaultPatchBaseline({ BaselineId })));
        const { BaselineId } = await ops.GetDefaultPatchBaseline({ OperatingSystem: 'UBUNTU' });
        assert.ok(ids.includes(BaselineId));
        const defaults = ((await ops.DescribePatchBaselines({ Filters: [{ Key: 'OPERATING_SYSTEM', Values: ['UBUNTU'] }] })).BaselineIdentities as ssm.PatchBaselineIdentity[]).filter((x) => x.DefaultBaseline);
        assert.deepEqual(defaults.map((x) => x.BaselineId), [BaselineId]);
      } finally {
        await store.destroy();
      }
    });
  });
}

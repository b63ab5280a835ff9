import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { awsCli, awsCliEnv, engines, skipWithoutAwsCli, startTestServer, type Credentials, type TestServer } from './support.ts';

/**
 * The SSM tag operations (AddTagsToResource, ListTagsForResource, RemoveTagsFromResource)
 * through the Debian AWS CLI v2, on parameters: tags land where DescribeParameters' tag
 * filters and IAM's tag condition keys see them.
 */
for (const engine of engines) {
  describe(`SSM tag operations on parameters (AWS CLI, ${engine.name})`, { skip: skipWithoutAwsCli ?? engine.skip }, () => {
    let t: TestServer;
    const cli = (creds: Credentials, ...args: string[]) => awsCli([...args, '--endpoint-url', t.url, '--output', 'json'], awsCliEnv(creds));
    const ok = async (creds: Credentials, ...args: string[]) => {
      const res = await cli(creds, ...args);
      assert.equal(res.code, 0, `aws ${args.join(' ')} failed: ${res.stderr}`);
      return res.stdout.trim() ? JSON.parse(res.stdout) : {};
    };

    before(async () => {
      t = await startTestServer({ engine: engine.name });
      await ok(t.admin, 'ssm', 'put-parameter', '--name', '/svc/a', '--value', 'a', '--type', 'String');
      await ok(t.admin, 'ssm', 'put-parameter', '--name', '/svc/b', '--value', 'b', '--type', 'String');
    });
    after(async () => { await t?.destroy(); });

    test('tags added to a parameter are listed, found by DescribeParameters tag filters, and removed', async () => {
      await ok(t.admin, 'ssm', 'add-tags-to-resource', '--resource-type', 'Parameter', '--resource-id', '/svc/a', '--tags', 'Key=Env,Value=dev', 'Key=Team,Value=core');
      const listed = await ok(t.admin, 'ssm', 'list-tags-for-resource', '--resource-type', 'Parameter', '--resource-id', '/svc/a');
      assert.deepEqual(listed.TagList, [{ Key: 'Env', Value: 'dev' }, { Key: 'Team', Value: 'core' }]);
      const found = await ok(t.admin, 'ssm', 'describe-parameters', '--parameter-filters', 'Key=tag:Env,Values=dev');
      assert.deepEqual(found.Parameters.map((p: { Name: string }) => p.Name), ['/svc/a']);
      // A second add overwrites the value of an existing key.
      await ok(t.admin, 'ssm', 'add-tags-to-resource', '--resource-type', 'Parameter', '--resource-id', '/svc/a', '--tags', 'Key=Env,Value=prod');
      await ok(t.admin, 'ssm', 'remove-tags-from-resource', '--resource-type', 'Parameter', '--resource-id', '/svc/a', '--tag-keys', 'Team');
      const after = await ok(t.admin, 'ssm', 'list-tags-for-resource', '--resource-type', 'Parameter', '--resource-id', '/svc/a');
      assert.deepEqual(after.TagList, [{ Key: 'Env', Value: 'prod' }]);
    });

    test('an unknown parameter answers InvalidResourceId and an unsupported type InvalidResourceType', async () => {
      const missing = await cli(t.admin, 'ssm', 'list-tags-for-resource', '--resource-type', 'Parameter', '--resource-id', '/svc/none');
      assert.match(missing.stderr, /\(InvalidResourceId\) when calling the ListTagsForResource operation: The resource ID "\/svc\/none" is not valid/);
      const type = await cli(t.admin, 'ssm', 'list-tags-for-resource', '--resource-type', 'OpsItem', '--resource-id', 'oi-123');
      assert.match(type.stderr, /\(InvalidResourceType\) when calling the ListTagsForResource operation: The resource type OpsItem is not supported/);
    });

    test('more than 50 tags on one parameter answer TooManyTagsError and change nothing', async () => {
      const tags = Array.from({ length: 51 }, (_, i) => `Key=k${i},Value=v`);
      const res = await cli(t.admin, 'ssm', 'add-tags-to-resource', '--resource-type', 'Parameter', '--resource-id', '/svc/b', '--tags', ...tags);
      assert.match(res.stderr, /\(TooManyTagsError\) when calling the AddTagsToResource operation/);
      assert.deepEqual((await ok(t.admin, 'ssm', 'list-tags-for-resource', '--resource-type', 'Parameter', '--resource-id', '/svc/b')).TagList, []);
    });

    test('IAM sees the tag keys of the request and the tags of the resource', async () => {
      await ok(t.admin, 'ssm', 'add-tags-to-resource', '--resource-type', 'Parameter', '--resource-id', '/svc/b', '--tags', 'Key=Env,Value=dev');
      const tagger = await t.newUser(t.admin.accountId, `tagger-${engine.name}`, undefined, { withoutPolicies: true });
      await ok(t.admin, 'iam', 'put-user-policy', '--user-name', `tagger-${engine.name}`, '--policy-name', 'Tagging', '--policy-document', JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: ['ssm:AddTagsToResource', 'ssm:ListTagsForResource'], Resource: '*', Condition: { StringEquals: { 'ssm:resourceTag/Env': 'dev' } } },
          { Effect: 'Deny', Action: 'ssm:AddTagsToResource', Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['Owner'] } } },
        ],
      }));
      await ok(tagger, 'ssm', 'add-tags-to-resource', '--resource-type', 'Parameter', '--resource-id', '/svc/b', '--tags', 'Key=Team,Value=web');
      const owner = await cli(tagger, 'ssm', 'add-tags-to-resource', '--resource-type', 'Parameter', '--resource-id', '/svc/b', '--tags', 'Key=Owner,Value=me');
      assert.match(owner.stderr, /\(AccessDeniedException\).*ssm:AddTagsToResource on resource: arn:aws:ssm:us-east-1:\d{12}:parameter\/svc\/b with an explicit deny/);
      // /svc/a is tagged Env=prod by now: the allow's resource-tag condition does not hold.
      const prod = await cli(tagger, 'ssm', 'list-tags-for-resource', '--resource-type', 'Parameter', '--resource-id', '/svc/a');
      assert.match(prod.stderr, /\(AccessDeniedException\).*ssm:ListTagsForResource on resource: arn:aws:ssm:us-east-1:\d{12}:parameter\/svc\/a because no identity-based policy allows/);
    });
  });
}

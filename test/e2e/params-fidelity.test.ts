/**
 * Parameter Store as AWS answers it, through the AWS SDK against a real server on SQLite and
 * PostgreSQL (issue #22): a top-level name with or without its leading slash is one parameter;
 * AWS's validation and exact messages; AWS's default page sizes; LastModifiedUser.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddTagsToResourceCommand, DeleteParameterCommand, DescribeParametersCommand, GetParameterCommand, GetParameterHistoryCommand, GetParametersByPathCommand,
  GetParametersCommand, LabelParameterVersionCommand, ListTagsForResourceCommand, PutParameterCommand, type SSMClient,
} from '@aws-sdk/client-ssm';
import { engines, failureOf, ssmClient, startTestServer, type TestServer, userArnOf } from './support.ts';

/** AWS's message for a path it refuses, backslashes before the quotes around aws and ssm included. */
const PATH_RULES = 'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/". '
  + 'It can\'t be prefixed with \\"aws\\" or \\"ssm\\" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). '
  + 'Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol "/". Valid example: /get/parameters2-/by1./path0_.';

for (const engine of engines) {
  describe(`Parameter Store fidelity through the SDK (${engine.name})`, { skip: engine.skip }, () => {
    let t: TestServer;
    let ssm: SSMClient;
    const arn = (name: string) => `arn:aws:ssm:us-east-1:${t.admin.accountId}:parameter/${name.replace(/^\//, '')}`;

    before(async () => {
      t = await startTestServer({ engine: engine.name });
      ssm = ssmClient(t, t.admin);
    });
    after(async () => {
      ssm?.destroy();
      await t?.destroy();
    });

    test('a name created without its slash is found with it, answers with the form it was created with, and one ARN names both', async () => {
      await ssm.send(new PutParameterCommand({ Name: 'no-slash', Value: 'v1', Type: 'String' }));
      const got = (await ssm.send(new GetParameterCommand({ Name: '/no-slash' }))).Parameter!;
      assert.deepEqual([got.Name, got.Value, got.ARN], ['no-slash', 'v1', arn('no-slash')]);
      assert.equal((await ssm.send(new GetParameterCommand({ Name: arn('no-slash') }))).Parameter?.Value, 'v1');
      const many = await ssm.send(new GetParametersCommand({ Names: ['/no-slash', 'no-slash'] }));
      assert.deepEqual(many.InvalidParameters, []);
      assert.equal(many.Parameters?.length, 2);
    });

    test('a name created with its slash is found without it; PutParameter of the other form is the same parameter', async () => {
      await ssm.send(new PutParameterCommand({ Name: '/with-slash', Value: 'v1', Type: 'String' }));
      assert.equal((await ssm.send(new GetParameterCommand({ Name: 'with-slash' }))).Parameter?.Name, '/with-slash');
      const again = await failureOf(ssm.send(new PutParameterCommand({ Name: 'with-slash', Value: 'v2', Type: 'String' })));
      assert.equal(again.name, 'ParameterAlreadyExists');
      const put = await ssm.send(new PutParameterCommand({ Name: 'with-slash', Value: 'v2', Overwrite: true }));
      assert.equal(put.Version, 2);
      const history = await ssm.send(new GetParameterHistoryCommand({ Name: 'with-slash' }));
      assert.deepEqual(history.Parameters?.map((p) => [p.Name, p.Value]), [['/with-slash', 'v1'], ['/with-slash', 'v2']]);
    });

    test('tags added through one form of a top-level name are listed through the other', async () => {
      await ssm.send(new PutParameterCommand({ Name: 'tagged-top', Value: 'v', Type: 'String' }));
      await ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: '/tagged-top', Tags: [{ Key: 'slash', Value: 'yes' }] }));
      await ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: 'tagged-top', Tags: [{ Key: 'bare', Value: 'yes' }] }));
      for (const id of ['tagged-top', '/tagged-top']) {
        const listed = await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: id }));
        assert.deepEqual(listed.TagList?.map((tag) => tag.Key).sort(), ['bare', 'slash'], id);
      }
    });

    test('GetParametersByPath / one level returns top-level names created without their slash', async () => {
      const names: string[] = [];
      let token: string | undefined;
      do {
        const page = await ssm.send(new GetParametersByPathCommand({ Path: '/', NextToken: token }));
        names.push(...(page.Parameters ?? []).map((p) => p.Name!));
        token = page.NextToken;
      } while (token);
      assert.ok(names.includes('no-slash'), names.join(' '));
      assert.ok(names.includes('/with-slash'), names.join(' '));
    });

    test("DescribeParameters' Name and Path filters find a top-level name by either form", async () => {
      const names = async (filter: { Key: string; Option?: string; Values: string[] }) =>
        (await ssm.send(new DescribeParametersCommand({ ParameterFilters: [filter], MaxResults: 50 }))).Parameters?.map((p) => p.Name);
      assert.deepEqual(await names({ Key: 'Name', Values: ['/no-slash'] }), ['no-slash']);
      assert.deepEqual(await names({ Key: 'Name', Values: ['with-slash'] }), ['/with-slash']);
      assert.deepEqual(await names({ Key: 'Name', Option: 'BeginsWith', Values: ['/no-sl'] }), ['no-slash']);
      assert.ok((await names({ Key: 'Path', Values: ['/'] }))?.includes('no-slash'));
      assert.ok((await names({ Key: 'Path', Option: 'Recursive', Values: ['/'] }))?.includes('no-slash'));
    });

    test('DeleteParameter through the other form deletes the parameter', async () => {
      await ssm.send(new PutParameterCommand({ Name: 'short-lived', Value: 'v', Type: 'String' }));
      await ssm.send(new DeleteParameterCommand({ Name: '/short-lived' }));
      assert.equal((await failureOf(ssm.send(new GetParameterCommand({ Name: 'short-lived' })))).name, 'ParameterNotFound');
    });

    test('PutParameter with an empty Value is refused as AWS refuses it', async () => {
      assert.deepEqual(await failureOf(ssm.send(new PutParameterCommand({ Name: '/fidelity/empty', Value: '', Type: 'String' }))), {
        name: 'ValidationException',
        message: "1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1",
      });
    });

    test('an unknown data type is refused with AWS\'s message alone', async () => {
      assert.deepEqual(await failureOf(ssm.send(new PutParameterCommand({ Name: '/fidelity/dt', Value: '1', Type: 'String', DataType: 'Number' }))), {
        name: 'ValidationException',
        message: 'The following data type is not supported: Number (Data type names are all lowercase.)',
      });
    });

    test('DescribeParameters refuses Path filters under /aws and /ssm, and malformed paths, with AWS\'s messages', async () => {
      const reserved = 'Filters for common parameters can\'t be prefixed with "aws" or "ssm" (case-insensitive). When using global parameters, please specify within a global namespace.';
      for (const value of ['/aws', '/ssm/x', '/AWSthing']) {
        assert.deepEqual(await failureOf(ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Path', Values: [value] }] }))), { name: 'ValidationException', message: reserved }, value);
      }
      for (const value of ['/###', '//', 'relative']) {
        assert.deepEqual(await failureOf(ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Path', Values: [value] }] }))), { name: 'ValidationException', message: PATH_RULES }, value);
      }
    });

    test('GetParametersByPath refuses a path without its leading slash with AWS\'s message', async () => {
      assert.deepEqual(await failureOf(ssm.send(new GetParametersByPathCommand({ Path: 'fidelity' }))), { name: 'ValidationException', message: PATH_RULES });
    });

    test('invalid filter keys and options name the keys and options AWS names', async () => {
      const describe = (filter: { Key: string; Option?: string; Values?: string[] }) => failureOf(ssm.send(new DescribeParametersCommand({ ParameterFilters: [filter] })));
      assert.deepEqual(await describe({ Key: 'Label', Values: ['x'] }), {
        name: 'InvalidFilterKey', message: 'The following filter key is not valid: Label. Valid filter keys include: [Path, Name, Type, KeyId, Tier].',
      });
      assert.deepEqual(await describe({ Key: 'Type', Option: 'Contains', Values: ['String'] }), {
        name: 'InvalidFilterOption', message: 'The following filter option is not valid: Contains. Valid options include: [BeginsWith, Equals].',
      });
      assert.deepEqual(await describe({ Key: 'Path', Option: 'Equals', Values: ['/x'] }), {
        name: 'InvalidFilterOption', message: 'The following filter option is not valid: Equals. Valid options include: [Recursive, OneLevel].',
      });
      assert.deepEqual(await failureOf(ssm.send(new GetParametersByPathCommand({ Path: '/', ParameterFilters: [{ Key: 'Name', Values: ['x'] }] }))), {
        name: 'InvalidFilterKey', message: 'The following filter key is not valid: Name. Valid filter keys include: [Type, KeyId].',
      });
    });

    test('a selector with two colons finds no parameter: ParameterNotFound naming the whole text', async () => {
      await ssm.send(new PutParameterCommand({ Name: '/fidelity/sel', Value: 'v', Type: 'String' }));
      assert.deepEqual(await failureOf(ssm.send(new GetParameterCommand({ Name: '/fidelity/sel:1:2' }))), { name: 'ParameterNotFound', message: 'Parameter /fidelity/sel:1:2 not found.' });
      assert.deepEqual((await ssm.send(new GetParametersCommand({ Names: ['/fidelity/sel:1:2'] }))).InvalidParameters, ['/fidelity/sel:1:2']);
    });

    test('an eleventh label on a version is ParameterVersionLabelLimitExceeded with AWS\'s message', async () => {
      await ssm.send(new PutParameterCommand({ Name: '/fidelity/labels', Value: 'v', Type: 'String' }));
      await ssm.send(new LabelParameterVersionCommand({ Name: '/fidelity/labels', Labels: Array.from({ length: 10 }, (_, i) => `l${i}`) }));
      assert.deepEqual(await failureOf(ssm.send(new LabelParameterVersionCommand({ Name: '/fidelity/labels', Labels: ['eleventh'] }))), {
        name: 'ParameterVersionLabelLimitExceeded', message: 'A parameter version can have maximum 10 labels.Move one or more labels to another version and try again.',
      });
    });

    test('eleven labels in one call are ParameterVersionLabelLimitExceeded too, not a ValidationException, and none is attached', async () => {
      await ssm.send(new PutParameterCommand({ Name: '/fidelity/labels-one-call', Value: 'v', Type: 'String' }));
      assert.deepEqual(await failureOf(ssm.send(new LabelParameterVersionCommand({ Name: '/fidelity/labels-one-call', Labels: Array.from({ length: 11 }, (_, i) => `l${i}`) }))), {
        name: 'ParameterVersionLabelLimitExceeded', message: 'A parameter version can have maximum 10 labels.Move one or more labels to another version and try again.',
      });
      const history = await ssm.send(new GetParameterHistoryCommand({ Name: '/fidelity/labels-one-call' }));
      assert.deepEqual(history.Parameters?.[0].Labels ?? [], []);
    });

    test("an unknown Type lists the values in AWS's order; eleven names in GetParameters end with a full stop; a bad ResourceType is InvalidResourceType", async () => {
      assert.deepEqual(await failureOf(ssm.send(new PutParameterCommand({ Name: '/fidelity/type', Value: 'v', Type: 'Number' as never }))), {
        name: 'ValidationException', message: "1 validation error detected: Value 'Number' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]",
      });
      const names = Array.from({ length: 11 }, (_, i) => `/fidelity/n${i}`);
      const many = await failureOf(ssm.send(new GetParametersCommand({ Names: names })));
      assert.equal(many.name, 'ValidationException');
      assert.ok(many.message.endsWith('Member must have length less than or equal to 10.'), many.message);
      const tagged = await failureOf(ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Bucket' as never, ResourceId: '/fidelity/type', Tags: [{ Key: 'k', Value: 'v' }] })));
      assert.equal(tagged.name, 'InvalidResourceType');
    });

    test('without MaxResults DescribeParameters and GetParametersByPath answer 10 per page, GetParameterHistory 50', async () => {
      for (let i = 0; i < 12; i++) await ssm.send(new PutParameterCommand({ Name: `/fidelity/page/p${String(i).padStart(2, '0')}`, Value: 'v', Type: 'String' }));
      for (let v = 2; v <= 52; v++) await ssm.send(new PutParameterCommand({ Name: '/fidelity/page/p00', Value: `v${v}`, Overwrite: true }));
      const described = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Path', Values: ['/fidelity/page'] }] }));
      assert.equal(described.Parameters?.length, 10);
      assert.ok(described.NextToken);
      const byPath = await ssm.send(new GetParametersByPathCommand({ Path: '/fidelity/page' }));
      assert.equal(byPath.Parameters?.length, 10);
      assert.ok(byPath.NextToken);
      const history = await ssm.send(new GetParameterHistoryCommand({ Name: '/fidelity/page/p00' }));
      assert.equal(history.Parameters?.length, 50);
      assert.ok(history.NextToken);
    });

    test("LastModifiedUser is the ARN of the caller's identity, in DescribeParameters and GetParameterHistory", async () => {
      await ssm.send(new PutParameterCommand({ Name: '/fidelity/who', Value: 'v', Type: 'String' }));
      const described = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: ['/fidelity/who'] }] }));
      assert.equal(described.Parameters?.[0].LastModifiedUser, userArnOf(t.admin));
      const history = await ssm.send(new GetParameterHistoryCommand({ Name: '/fidelity/who' }));
      assert.equal(history.Parameters?.[0].LastModifiedUser, userArnOf(t.admin));
    });
  });
}

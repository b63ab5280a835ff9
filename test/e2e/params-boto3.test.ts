/**
 * Parameter Store through boto3 (Python's AWS SDK) against real servers on SQLite and PostgreSQL
 * (issue #22): the calls a script that passes on AWS makes, answered as AWS answers them. Every
 * call of the file runs in one Python process (boto3-steps.py), before the tests read its answers.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runBoto3, skipWithoutBoto3, type Boto3Answer } from './boto3-support.ts';
import { engines, startTestServer, type TestServer } from './support.ts';

interface Step {
  readonly id: string;
  readonly service: 'ssm' | 'iam' | 'sts';
  readonly method: string;
  readonly params?: Record<string, unknown>;
  /** Another step's AssumeRole answer whose session credentials sign this call; the admin's keys otherwise. */
  readonly as?: string;
}
type Answer = Boto3Answer;

/** What each engine's server is asked, in order. */
function steps(accountId: string): Step[] {
  const put = (id: string, params: Record<string, unknown>, as?: string): Step => ({ id, service: 'ssm', method: 'put_parameter', params: { Type: 'String', ...params }, as });
  const paging = Array.from({ length: 11 }, (_, i) => put(`page-${i}`, { Name: `/b3/page/p${String(i).padStart(2, '0')}`, Value: 'v' }));
  return [
    put('create-bare', { Name: 'with-slash-b3', Value: 'bare' }),
    { id: 'get-slashed', service: 'ssm', method: 'get_parameter', params: { Name: '/with-slash-b3' } },
    { id: 'tag-slashed', service: 'ssm', method: 'add_tags_to_resource', params: { ResourceType: 'Parameter', ResourceId: '/with-slash-b3', Tags: [{ Key: 'k', Value: 'v' }] } },
    { id: 'tags-bare', service: 'ssm', method: 'list_tags_for_resource', params: { ResourceType: 'Parameter', ResourceId: 'with-slash-b3' } },
    { id: 'by-path-root', service: 'ssm', method: 'get_parameters_by_path', params: { Path: '/' } },
    { id: 'describe-name', service: 'ssm', method: 'describe_parameters', params: { ParameterFilters: [{ Key: 'Name', Values: ['/with-slash-b3'] }] } },
    { id: 'describe-path', service: 'ssm', method: 'describe_parameters', params: { ParameterFilters: [{ Key: 'Path', Values: ['/'] }] } },
    put('empty-value', { Name: '/b3/empty', Value: '' }),
    put('unknown-data-type', { Name: '/b3/dt', Value: '1', DataType: 'integer' }),
    { id: 'path-aws', service: 'ssm', method: 'describe_parameters', params: { ParameterFilters: [{ Key: 'Path', Values: ['/aws'] }] } },
    { id: 'path-hashes', service: 'ssm', method: 'describe_parameters', params: { ParameterFilters: [{ Key: 'Path', Values: ['/###'] }] } },
    { id: 'label-key', service: 'ssm', method: 'describe_parameters', params: { ParameterFilters: [{ Key: 'Label', Values: ['x'] }] } },
    { id: 'two-colons', service: 'ssm', method: 'get_parameter', params: { Name: 'with-slash-b3:1:2' } },
    ...paging,
    { id: 'describe-default-page', service: 'ssm', method: 'describe_parameters', params: { ParameterFilters: [{ Key: 'Path', Values: ['/b3/page'] }] } },
    {
      id: 'create-role', service: 'iam', method: 'create_role', params: {
        RoleName: 'ParamWriter',
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'sts:AssumeRole' }] }),
      },
    },
    {
      id: 'role-policy', service: 'iam', method: 'put_role_policy', params: {
        RoleName: 'ParamWriter', PolicyName: 'params', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ssm:*', Resource: '*' }] }),
      },
    },
    { id: 'assume', service: 'sts', method: 'assume_role', params: { RoleArn: `arn:aws:iam::${accountId}:role/ParamWriter`, RoleSessionName: 'deploy-job' } },
    put('put-as-role', { Name: '/b3/by-role', Value: 'v' }, 'assume'),
    { id: 'describe-by-role', service: 'ssm', method: 'describe_parameters', params: { ParameterFilters: [{ Key: 'Name', Values: ['/b3/by-role'] }] } },
  ];
}

/** Runs every engine's steps in one Python process; answers by engine, then step id. */
async function runSteps(targets: Map<string, TestServer>): Promise<Map<string, Record<string, Answer>>> {
  const all = [...targets].flatMap(([engine, t]) => steps(t.admin.accountId).map(({ as, ...step }) => ({
    ...step,
    id: `${engine}:${step.id}`,
    endpoint: t.url,
    credentials: as ? { from: `${engine}:${as}` } : { accessKeyId: t.admin.accessKeyId, secretAccessKey: t.admin.secretAccessKey },
  })));
  const byEngine = new Map<string, Record<string, Answer>>();
  for (const [id, answer] of Object.entries(await runBoto3(all))) {
    const [engine, step] = [id.slice(0, id.indexOf(':')), id.slice(id.indexOf(':') + 1)];
    byEngine.set(engine, { ...byEngine.get(engine), [step]: answer });
  }
  return byEngine;
}

const targets = new Map<string, TestServer>();
let answers: Map<string, Record<string, Answer>>;

before(async () => {
  if (skipWithoutBoto3) return;
  for (const engine of engines) if (!engine.skip) targets.set(engine.name, await startTestServer({ engine: engine.name }));
  answers = await runSteps(targets);
});
after(async () => {
  for (const t of targets.values()) await t.destroy();
});

for (const engine of engines) {
  describe(`Parameter Store through boto3 (${engine.name})`, { skip: engine.skip ?? skipWithoutBoto3 }, () => {
    const answer = (id: string): Answer => answers.get(engine.name)![id];
    const result = (id: string) => {
      const a = answer(id);
      assert.equal(a.error, undefined, `${id} failed: ${JSON.stringify(a.error)}`);
      return a.result;
    };

    test('a parameter created as with-slash-b3 is read as /with-slash-b3, keeps its name, and its ARN names it once', () => {
      const p = result('get-slashed').Parameter;
      assert.equal(p.Name, 'with-slash-b3');
      assert.equal(p.Value, 'bare');
      assert.equal(p.ARN, `arn:aws:ssm:us-east-1:${targets.get(engine.name)!.admin.accountId}:parameter/with-slash-b3`);
    });

    test('tags added through /with-slash-b3 are listed through with-slash-b3', () => {
      assert.deepEqual(result('tags-bare').TagList, [{ Key: 'k', Value: 'v' }]);
    });

    test('GetParametersByPath / and DescribeParameters Name and Path filters find the top-level name created without its slash', () => {
      assert.ok(result('by-path-root').Parameters.some((p: { Name: string }) => p.Name === 'with-slash-b3'));
      assert.deepEqual(result('describe-name').Parameters.map((p: { Name: string }) => p.Name), ['with-slash-b3']);
      assert.ok(result('describe-path').Parameters.some((p: { Name: string }) => p.Name === 'with-slash-b3'));
    });

    test('refusals carry AWS\'s codes and exact messages', () => {
      assert.deepEqual(answer('empty-value').error, { code: 'ValidationException', message: "1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1" });
      assert.deepEqual(answer('unknown-data-type').error, { code: 'ValidationException', message: 'The following data type is not supported: integer (Data type names are all lowercase.)' });
      assert.deepEqual(answer('path-aws').error, {
        code: 'ValidationException',
        message: 'Filters for common parameters can\'t be prefixed with "aws" or "ssm" (case-insensitive). When using global parameters, please specify within a global namespace.',
      });
      assert.equal(answer('path-hashes').error?.code, 'ValidationException');
      assert.match(answer('path-hashes').error!.message, /^The parameter doesn't meet the parameter name requirements\. .* Valid example: \/get\/parameters2-\/by1\.\/path0_\.$/);
      assert.deepEqual(answer('label-key').error, { code: 'InvalidFilterKey', message: 'The following filter key is not valid: Label. Valid filter keys include: [Path, Name, Type, KeyId, Tier].' });
      assert.deepEqual(answer('two-colons').error, { code: 'ParameterNotFound', message: 'Parameter with-slash-b3:1:2 not found.' });
    });

    test('DescribeParameters without MaxResults answers 10 per page', () => {
      const page = result('describe-default-page');
      assert.equal(page.Parameters.length, 10);
      assert.ok(page.NextToken);
    });

    test('LastModifiedUser of a parameter written with assumed-role credentials is the role session\'s ARN', () => {
      assert.equal(result('put-as-role').Version, 1);
      const accountId = targets.get(engine.name)!.admin.accountId;
      assert.equal(result('describe-by-role').Parameters[0].LastModifiedUser, `arn:aws:sts::${accountId}:assumed-role/ParamWriter/deploy-job`);
    });
  });
}

/**
 * Parameter data types through the AWS SDK on SQLite and PostgreSQL (issue #21): aws:ec2:image
 * and aws:ssm:integration are accepted with AWS's checks, stored, answered by every read and
 * found by DescribeParameters' DataType filter; an unknown data type gets AWS's message.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DescribeParametersCommand, GetParameterCommand, GetParameterHistoryCommand, GetParametersByPathCommand, PutParameterCommand, type SSMClient,
} from '@aws-sdk/client-ssm';
import { engines, failureOf, ssmClient, startTestServer, type TestServer } from './support.ts';

const WEBHOOK = '/d9d01087-4a3f-49e0-b0b4-d568d7826553/ssm/integrations/webhook/';
const HOOK_VALUE = JSON.stringify({ description: 'Deployment alerts', url: 'https://hooks.example.com/deploy' });

for (const engine of engines) {
  describe(`Parameter data types through the SDK (${engine.name})`, { skip: engine.skip }, () => {
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

    test('an aws:ec2:image String with a 17-digit AMI ID is stored and GetParameter answers its DataType', async () => {
      const put = await ssm.send(new PutParameterCommand({ Name: '/amis/linux/golden', Value: 'ami-0123456789abcdef0', Type: 'String', DataType: 'aws:ec2:image' }));
      assert.equal(put.Version, 1);
      const got = (await ssm.send(new GetParameterCommand({ Name: '/amis/linux/golden' }))).Parameter!;
      assert.deepEqual([got.Value, got.Type, got.DataType], ['ami-0123456789abcdef0', 'String', 'aws:ec2:image']);
    });

    test('an 8-digit AMI ID is accepted too, and an overwrite without DataType keeps aws:ec2:image', async () => {
      await ssm.send(new PutParameterCommand({ Name: '/amis/old', Value: 'ami-1a2b3c4d', Type: 'String', DataType: 'aws:ec2:image' }));
      await ssm.send(new PutParameterCommand({ Name: '/amis/old', Value: 'ami-5e6f7a8b', Overwrite: true }));
      const history = (await ssm.send(new GetParameterHistoryCommand({ Name: '/amis/old' }))).Parameters!;
      assert.deepEqual(history.map((p) => [p.Value, p.DataType]), [['ami-1a2b3c4d', 'aws:ec2:image'], ['ami-5e6f7a8b', 'aws:ec2:image']]);
    });

    test('a malformed AMI ID is refused at once and nothing is stored', async () => {
      for (const value of ['ami-12345abcdeEXAMPLE', 'ami-0000000000000', 'ami-0123456789ABCDEF0', 'my-image']) {
        const refused = await failureOf(ssm.send(new PutParameterCommand({ Name: '/amis/bad', Value: value, Type: 'String', DataType: 'aws:ec2:image' })));
        assert.equal(refused.name, 'ValidationException', value);
        assert.equal(refused.message, `Parameter value ${value} is not a valid AMI ID for the aws:ec2:image data type: an AMI ID is ami- followed by 8 or 17 lower-case hexadecimal digits.`);
      }
      assert.equal((await failureOf(ssm.send(new GetParameterCommand({ Name: '/amis/bad' })))).name, 'ParameterNotFound');
    });

    test('aws:ec2:image is refused for StringList and SecureString', async () => {
      for (const type of ['StringList', 'SecureString'] as const) {
        const refused = await failureOf(ssm.send(new PutParameterCommand({ Name: `/amis/${type}`, Value: 'ami-1a2b3c4d', Type: type, DataType: 'aws:ec2:image' })));
        assert.deepEqual(refused, { name: 'ValidationException', message: `The aws:ec2:image data type is not supported for the following input type: ${type}` });
      }
    });

    test('a parameter cannot change between text and aws:ec2:image', async () => {
      await ssm.send(new PutParameterCommand({ Name: '/amis/plain', Value: 'ami-1a2b3c4d', Type: 'String' }));
      const toImage = await failureOf(ssm.send(new PutParameterCommand({ Name: '/amis/plain', Value: 'ami-1a2b3c4d', DataType: 'aws:ec2:image', Overwrite: true })));
      assert.equal(toImage.name, 'ValidationException');
      assert.match(toImage.message, /^A parameter can't change to or from the aws:ec2:image data type: \/amis\/plain is text\./);
      const toText = await failureOf(ssm.send(new PutParameterCommand({ Name: '/amis/linux/golden', Value: 'ami-1a2b3c4d', DataType: 'text', Overwrite: true })));
      assert.match(toText.message, /^A parameter can't change to or from the aws:ec2:image data type: \/amis\/linux\/golden is aws:ec2:image\./);
    });

    test('an aws:ssm:integration SecureString in the webhook namespace is stored encrypted and read back decrypted', async () => {
      await ssm.send(new PutParameterCommand({ Name: `${WEBHOOK}deploy-alerts`, Value: HOOK_VALUE, Type: 'SecureString', DataType: 'aws:ssm:integration' }));
      const sealed = (await ssm.send(new GetParameterCommand({ Name: `${WEBHOOK}deploy-alerts` }))).Parameter!;
      assert.equal(sealed.DataType, 'aws:ssm:integration');
      assert.notEqual(sealed.Value, HOOK_VALUE);
      const opened = (await ssm.send(new GetParameterCommand({ Name: `${WEBHOOK}deploy-alerts`, WithDecryption: true }))).Parameter!;
      assert.deepEqual([opened.Type, opened.Value], ['SecureString', HOOK_VALUE]);
    });

    test('aws:ssm:integration is refused outside the webhook namespace and for other types', async () => {
      const elsewhere = await failureOf(ssm.send(new PutParameterCommand({ Name: '/hooks/deploy', Value: HOOK_VALUE, Type: 'SecureString', DataType: 'aws:ssm:integration' })));
      assert.equal(elsewhere.name, 'ValidationException');
      assert.match(elsewhere.message, /must be named \/d9d01087-4a3f-49e0-b0b4-d568d7826553\/ssm\/integrations\/webhook\/INTEGRATION_NAME/);
      const plain = await failureOf(ssm.send(new PutParameterCommand({ Name: `${WEBHOOK}plain`, Value: HOOK_VALUE, Type: 'String', DataType: 'aws:ssm:integration' })));
      assert.deepEqual(plain, { name: 'ValidationException', message: 'The aws:ssm:integration data type is not supported for the following input type: String' });
    });

    test('an unknown data type is refused with AWS message alone', async () => {
      const refused = await failureOf(ssm.send(new PutParameterCommand({ Name: '/amis/unknown', Value: 'v', Type: 'String', DataType: 'aws:EC2:image' })));
      assert.deepEqual(refused, { name: 'ValidationException', message: 'The following data type is not supported: aws:EC2:image (Data type names are all lowercase.)' });
    });

    test('DescribeParameters answers DataType and its DataType filter finds each data type', async () => {
      const described = async (option: string, values: string[]) => {
        const out = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'DataType', Option: option, Values: values }], MaxResults: 50 }));
        return out.Parameters!.map((p) => [p.Name, p.DataType]).sort();
      };
      assert.deepEqual(await described('Equals', ['aws:ec2:image']), [['/amis/linux/golden', 'aws:ec2:image'], ['/amis/old', 'aws:ec2:image']]);
      assert.deepEqual(await described('Equals', ['aws:ssm:integration']), [[`${WEBHOOK}deploy-alerts`, 'aws:ssm:integration']]);
      assert.deepEqual(await described('BeginsWith', ['aws:']), [['/amis/linux/golden', 'aws:ec2:image'], ['/amis/old', 'aws:ec2:image'], [`${WEBHOOK}deploy-alerts`, 'aws:ssm:integration']]);
      assert.deepEqual(await described('Equals', ['text']), [['/amis/plain', 'text']]);
    });

    test('GetParametersByPath answers DataType', async () => {
      const out = await ssm.send(new GetParametersByPathCommand({ Path: '/amis', Recursive: true }));
      assert.deepEqual(out.Parameters!.map((p) => [p.Name, p.DataType]).sort(), [['/amis/linux/golden', 'aws:ec2:image'], ['/amis/old', 'aws:ec2:image'], ['/amis/plain', 'text']]);
    });
  });
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeQueryInput, encodeQueryError, encodeQueryResponse, parseQueryBody } from './query.ts';
import { iamModel, stsModel } from './generated/index.ts';

test('a form body decodes into the typed input, lists from member.N and structures dotted', () => {
  const form = parseQueryBody('Action=CreateUser&Version=2010-05-08&UserName=bob&Path=%2Fteam%2F&Tags.member.1.Key=Env&Tags.member.1.Value=dev&Tags.member.2.Key=team&Tags.member.2.Value=blue');
  assert.equal(form.action, 'CreateUser');
  assert.equal(form.version, '2010-05-08');
  assert.deepEqual(decodeQueryInput(iamModel, 'CreateUser', form.params), {
    Path: '/team/', UserName: 'bob', Tags: [{ Key: 'Env', Value: 'dev' }, { Key: 'team', Value: 'blue' }],
  });
});

test('numbers and booleans are converted, and model constraints answer ValidationException', () => {
  const form = parseQueryBody('Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2FR&RoleSessionName=s1&DurationSeconds=900');
  assert.deepEqual(decodeQueryInput(stsModel, 'AssumeRole', form.params), { RoleArn: 'arn:aws:iam::111122223333:role/R', RoleSessionName: 's1', DurationSeconds: 900 });
  const bad = parseQueryBody('Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2FR&RoleSessionName=x');
  assert.throws(() => decodeQueryInput(stsModel, 'AssumeRole', bad.params), /ValidationException|Member must have length greater than or equal to 2/);
  const flag = parseQueryBody('Action=CreatePolicyVersion&Version=2010-05-08&PolicyArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Apolicy%2Fp&PolicyDocument=%7B%7D&SetAsDefault=true');
  assert.equal((decodeQueryInput(iamModel, 'CreatePolicyVersion', flag.params) as { SetAsDefault: boolean }).SetAsDefault, true);
});

test('an output is written as XML in its result wrapper, lists as member, timestamps in ISO 8601, text escaped', () => {
  const xml = encodeQueryResponse(iamModel, 'ListUsers', {
    Users: [{ Path: '/', UserName: 'a<b', UserId: 'AIDA1', Arn: 'arn:aws:iam::111122223333:user/a', CreateDate: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)) }],
    IsTruncated: false,
  }, 'req-1');
  assert.equal(xml, '<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListUsersResult><Users><member><Path>/</Path><UserName>a&lt;b</UserName>'
    + '<UserId>AIDA1</UserId><Arn>arn:aws:iam::111122223333:user/a</Arn><CreateDate>2026-01-02T03:04:05Z</CreateDate></member></Users><IsTruncated>false</IsTruncated>'
    + '</ListUsersResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></ListUsersResponse>');
  assert.equal(encodeQueryResponse(iamModel, 'DeleteUser', {}, 'r'), '<DeleteUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DeleteUserResponse>');
});

test('errors are AWS\'s ErrorResponse with Sender or Receiver', () => {
  assert.equal(encodeQueryError(iamModel, { code: 'NoSuchEntity', message: 'The user with name x cannot be found.', fault: 'client' }, 'r'),
    '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The user with name x cannot be found.</Message></Error><RequestId>r</RequestId></ErrorResponse>');
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAwsError, type Scope } from '@bosun/protocol';
import { parseDocument } from '@bosun/documents';
import { storeTargets, type TestStore } from '../testing/stores.ts';
import {
  deleteDocumentRows,
  deleteVersionRow,
  getVersionInfos,
  insertDocument,
  insertVersion,
  listOwnDocuments,
  listSharedDocuments,
  modifyPermissions,
  resolveDocumentForUse,
  setDefaultVersion,
  versionRow,
  type DocumentRow,
} from './document-store.ts';

const NOW = 1_800_000_000_000;
const OWNER = '111111111111';
const READER = '222222222222';
const STRANGER = '333333333333';
const REGION = 'us-east-1';
const OTHER_REGION = 'eu-west-1';
const at = (accountId: string, region = REGION): Scope => ({ accountId, region });

function content(echo: string): string {
  return JSON.stringify({
    schemaVersion: '2.2',
    parameters: { Message: { type: 'String', default: echo } },
    mainSteps: [{ name: 'say', action: 'aws:runShellScript', inputs: { runCommand: ['echo {{ Message }}'] } }],
  });
}

function version(name: string, n: number, echo: string, versionName: string | null = null, accountId = OWNER, region = REGION) {
  const text = content(echo);
  return versionRow({ scope: at(accountId, region), name, version: n, versionName, content: text, format: 'JSON', documentType: 'Command', parsed: parseDocument(text, 'JSON', 'Command'), targetType: null, now: NOW + n });
}

function doc(name: string, accountId = OWNER, overrides: Partial<DocumentRow> = {}): DocumentRow {
  return { account_id: accountId, region: REGION, name, document_type: 'Command', default_version: 1, version_counter: 1, created_at: NOW, tags: '[]', ...overrides };
}

async function withStore(target: (typeof storeTargets)[number], work: (store: TestStore) => Promise<void>) {
  const store = await target.open();
  try {
    await work(store);
  } finally {
    await store.destroy();
  }
}

function rejectsWith(code: string, message: RegExp) {
  return (error: unknown) => {
    assert.ok(isAwsError(error), `expected an AwsError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  };
}

for (const target of storeTargets) {
  describe(`documents store on ${target.name}`, { skip: target.skip }, () => {
    test('a document is created once; the same name again is refused', () => withStore(target, async (store) => {
      assert.equal(await insertDocument(store.db, doc('Greet'), version('Greet', 1, 'one')), true);
      assert.equal(await insertDocument(store.db, doc('Greet'), version('Greet', 1, 'two')), false);
      assert.equal(await insertDocument(store.db, doc('Greet', READER), version('Greet', 1, 'one', null, READER)), true, 'names are per account');
      const infos = await getVersionInfos(store.db, at(OWNER), 'Greet');
      assert.deepEqual(infos.map((v) => [v.document_version, v.created_at]), [[1, NOW + 1]]);
      assert.equal('content' in infos[0], false, 'listings carry no content');
    }));

    test('a new version needs the counter the caller read; a concurrent one is a conflict', () => withStore(target, async (store) => {
      await insertDocument(store.db, doc('Greet'), version('Greet', 1, 'one'));
      assert.equal(await insertVersion(store.db, version('Greet', 2, 'two'), 1), 'added');
      assert.equal(await insertVersion(store.db, version('Greet', 2, 'other'), 1), 'conflict');
      assert.equal(await insertVersion(store.db, version('Missing', 1, 'x'), 0), 'gone');
      assert.deepEqual((await getVersionInfos(store.db, at(OWNER), 'Greet')).map((v) => v.document_version), [1, 2]);
    }));

    test('a version name names one version of a document', () => withStore(target, async (store) => {
      await insertDocument(store.db, doc('Greet'), version('Greet', 1, 'one', 'first'));
      assert.equal(await insertVersion(store.db, version('Greet', 2, 'two', 'first'), 1), 'duplicate-version-name');
      assert.equal(await insertVersion(store.db, version('Greet', 2, 'two', null), 1), 'added');
      assert.equal(await insertVersion(store.db, version('Greet', 3, 'three', null), 2), 'added', 'versions without names do not collide');
    }));

    test('the default version can\'t be deleted alone; other versions and whole documents can', () => withStore(target, async (store) => {
      await insertDocument(store.db, doc('Greet'), version('Greet', 1, 'one'));
      await insertVersion(store.db, version('Greet', 2, 'two'), 1);
      assert.equal(await deleteVersionRow(store.db, at(OWNER), 'Greet', 1), false);
      assert.equal(await deleteVersionRow(store.db, at(OWNER), 'Greet', 2), true);
      assert.equal(await deleteVersionRow(store.db, at(OWNER), 'Greet', 2), false);
      await modifyPermissions(store.db, at(OWNER), 'Greet', { add: [READER], remove: [], sharedVersion: '$DEFAULT', now: NOW });
      assert.equal(await deleteDocumentRows(store.db, at(OWNER), 'Greet'), true);
      assert.equal(await deleteDocumentRows(store.db, at(OWNER), 'Greet'), false);
      assert.deepEqual(await getVersionInfos(store.db, at(OWNER), 'Greet'), []);
      assert.deepEqual(await listSharedDocuments(store.db, at(READER), 'private'), [], 'its shares went with it');
    }));

    test('listings show each document with its default version', () => withStore(target, async (store) => {
      await insertDocument(store.db, doc('B'), version('B', 1, 'b1'));
      await insertDocument(store.db, doc('A'), version('A', 1, 'a1'));
      await insertVersion(store.db, version('A', 2, 'a2'), 1);
      await setDefaultVersion(store.db, at(OWNER), 'A', 2);
      await insertDocument(store.db, doc('C', READER), version('C', 1, 'c1', null, READER));
      const own = await listOwnDocuments(store.db, at(OWNER));
      assert.deepEqual(own.map((d) => [d.doc.name, d.version.document_version, d.doc.default_version]), [['A', 2, 2], ['B', 1, 1]]);
    }));

    test('shared documents are listed for the accounts they are shared with, and public ones for everyone', () => withStore(target, async (store) => {
      await insertDocument(store.db, doc('Private'), version('Private', 1, 'p'));
      await insertDocument(store.db, doc('Public'), version('Public', 1, 'q'));
      await modifyPermissions(store.db, at(OWNER), 'Private', { add: [READER], remove: [], sharedVersion: '$DEFAULT', now: NOW });
      await modifyPermissions(store.db, at(OWNER), 'Public', { add: ['all'], remove: [], sharedVersion: '$ALL', now: NOW });
      assert.deepEqual((await listSharedDocuments(store.db, at(READER), 'private')).map((d) => d.doc.name), ['Private']);
      assert.deepEqual((await listSharedDocuments(store.db, at(STRANGER), 'private')).map((d) => d.doc.name), []);
      assert.deepEqual((await listSharedDocuments(store.db, at(STRANGER), 'public')).map((d) => d.doc.name), ['Public']);
      assert.deepEqual((await listSharedDocuments(store.db, at(OWNER), 'public')).map((d) => d.doc.name), [], 'own documents are not listed as shared');
      await modifyPermissions(store.db, at(OWNER), 'Private', { add: [], remove: [READER], sharedVersion: '$DEFAULT', now: NOW });
      assert.deepEqual(await listSharedDocuments(store.db, at(READER), 'private'), []);
    }));

    test('resolveDocumentForUse finds own documents by name and version selector', () => withStore(target, async (store) => {
      await insertDocument(store.db, doc('Greet'), version('Greet', 1, 'one', 'first'));
      await insertVersion(store.db, version('Greet', 2, 'two', 'second'), 1);
      const use = (selector: { documentVersion?: string; versionName?: string } = {}) =>
        resolveDocumentForUse(store.db, { scope: at(OWNER), nameOrArn: 'Greet', ...selector });
      const byDefault = await use();
      assert.equal(byDefault.documentVersion, '1');
      assert.equal(byDefault.arn, `arn:aws:ssm:${REGION}:${OWNER}:document/Greet`);
      assert.equal(byDefault.ownerAccountId, OWNER);
      assert.equal(byDefault.documentType, 'Command');
      assert.equal(byDefault.parsed.parameters.Message.default, 'one');
      assert.equal(byDefault.hash.length, 64);
      assert.equal((await use({ documentVersion: '$DEFAULT' })).documentVersion, '1');
      assert.equal((await use({ documentVersion: '$LATEST' })).documentVersion, '2');
      assert.equal((await use({ documentVersion: '2' })).content, content('two'));
      assert.equal((await use({ versionName: 'second' })).documentVersion, '2');
      assert.equal((await use({ documentVersion: '2', versionName: 'second' })).documentVersion, '2');
      await assert.rejects(use({ documentVersion: '3' }), rejectsWith('InvalidDocumentVersion', /^The document version is not valid or does not exist\.$/));
      await assert.rejects(use({ versionName: 'third' }), rejectsWith('InvalidDocumentVersion', /not valid/));
      await assert.rejects(use({ documentVersion: '1', versionName: 'second' }), rejectsWith('InvalidDocumentVersion', /not valid/));
      await assert.rejects(resolveDocumentForUse(store.db, { scope: at(OWNER), nameOrArn: 'Nope' }), rejectsWith('InvalidDocument', /^The specified document does not exist\.$/));
      const byOwnArn = await resolveDocumentForUse(store.db, { scope: at(OWNER), nameOrArn: `arn:aws:ssm:${REGION}:${OWNER}:document/Greet` });
      assert.equal(byOwnArn.name, 'Greet');
    }));

    test('resolveDocumentForUse finds built-in documents by name or by their account-less ARN', () => withStore(target, async (store) => {
      for (const nameOrArn of ['AWS-RunShellScript', `arn:aws:ssm:${REGION}::document/AWS-RunShellScript`]) {
        const found = await resolveDocumentForUse(store.db, { scope: at(OWNER), nameOrArn });
        assert.equal(found.name, 'AWS-RunShellScript');
        assert.equal(found.ownerAccountId, '');
        assert.equal(found.arn, `arn:aws:ssm:${REGION}::document/AWS-RunShellScript`);
        assert.equal(found.documentVersion, '1');
        assert.deepEqual(Object.keys(found.parsed.parameters), ['commands', 'workingDirectory', 'executionTimeout']);
      }
      await assert.rejects(resolveDocumentForUse(store.db, { scope: at(OWNER), nameOrArn: 'AWS-RunShellScript', documentVersion: '2' }), rejectsWith('InvalidDocumentVersion', /not valid/));
    }));

    test('resolveDocumentForUse reaches another account\'s document only by ARN and only while it is shared', () => withStore(target, async (store) => {
      await insertDocument(store.db, doc('Greet'), version('Greet', 1, 'one'));
      await insertVersion(store.db, version('Greet', 2, 'two'), 1);
      const arn = `arn:aws:ssm:${REGION}:${OWNER}:document/Greet`;
      const read = (accountId: string, nameOrArn: string, documentVersion?: string) => resolveDocumentForUse(store.db, { scope: at(accountId), nameOrArn, documentVersion });
      await assert.rejects(read(READER, arn), rejectsWith('InvalidDocument', /does not exist/));
      await modifyPermissions(store.db, at(OWNER), 'Greet', { add: [READER], remove: [], sharedVersion: '$DEFAULT', now: NOW });
      const found = await read(READER, arn);
      assert.equal(found.ownerAccountId, OWNER);
      assert.equal(found.documentVersion, '1');
      await assert.rejects(read(READER, 'Greet'), rejectsWith('InvalidDocument', /does not exist/), 'by name, a reader means its own documents');
      await assert.rejects(read(READER, arn, '2'), rejectsWith('InvalidDocumentVersion', /not valid/), '$DEFAULT shares only the default version');
      await assert.rejects(read(STRANGER, arn), rejectsWith('InvalidDocument', /does not exist/));

      await modifyPermissions(store.db, at(OWNER), 'Greet', { add: [READER], remove: [], sharedVersion: '$LATEST', now: NOW });
      assert.equal((await read(READER, arn, '$LATEST')).documentVersion, '2');
      await assert.rejects(read(READER, arn), rejectsWith('InvalidDocumentVersion', /not valid/), '$LATEST shares only the latest version');

      await modifyPermissions(store.db, at(OWNER), 'Greet', { add: [READER], remove: [], sharedVersion: '$ALL', now: NOW });
      assert.equal((await read(READER, arn)).documentVersion, '1');
      assert.equal((await read(READER, arn, '2')).documentVersion, '2');

      await modifyPermissions(store.db, at(OWNER), 'Greet', { add: ['all'], remove: [READER], sharedVersion: '$DEFAULT', now: NOW });
      assert.equal((await read(STRANGER, arn)).ownerAccountId, OWNER, 'shared with All: every account reads it');
    }));

    test('a document made in eu-west-1 is neither listed nor found in us-east-1; the same name exists in both', () => withStore(target, async (store) => {
      const eu = at(OWNER, OTHER_REGION);
      assert.equal(await insertDocument(store.db, doc('Greet', OWNER, { region: OTHER_REGION }), version('Greet', 1, 'eu', null, OWNER, OTHER_REGION)), true);
      assert.deepEqual(await listOwnDocuments(store.db, at(OWNER)), []);
      assert.deepEqual(await getVersionInfos(store.db, at(OWNER), 'Greet'), []);
      await assert.rejects(resolveDocumentForUse(store.db, { scope: at(OWNER), nameOrArn: 'Greet' }), rejectsWith('InvalidDocument', /does not exist/));
      assert.equal(await insertDocument(store.db, doc('Greet'), version('Greet', 1, 'us')), true, 'names are per region');
      assert.equal((await resolveDocumentForUse(store.db, { scope: eu, nameOrArn: 'Greet' })).content, content('eu'));
      const us = await resolveDocumentForUse(store.db, { scope: at(OWNER), nameOrArn: 'Greet' });
      assert.equal(us.content, content('us'));
      assert.equal(us.arn, `arn:aws:ssm:${REGION}:${OWNER}:document/Greet`);
      await assert.rejects(resolveDocumentForUse(store.db, { scope: at(OWNER), nameOrArn: `arn:aws:ssm:${OTHER_REGION}:${OWNER}:document/Greet` }),
        rejectsWith('InvalidDocument', /does not exist/), 'an ARN of another region names nothing here');
      assert.equal(await insertVersion(store.db, version('Greet', 2, 'eu2', null, OWNER, OTHER_REGION), 1), 'added');
      assert.deepEqual((await getVersionInfos(store.db, at(OWNER), 'Greet')).map((v) => v.document_version), [1], 'a version added in eu-west-1 stays there');
      assert.equal(await deleteDocumentRows(store.db, eu, 'Greet'), true);
      assert.deepEqual((await listOwnDocuments(store.db, at(OWNER))).map((d) => [d.doc.name, d.doc.region]), [['Greet', REGION]]);
    }));

    test('a share reaches the other account in the document\'s region only', () => withStore(target, async (store) => {
      await insertDocument(store.db, doc('Greet', OWNER, { region: OTHER_REGION }), version('Greet', 1, 'eu', null, OWNER, OTHER_REGION));
      await modifyPermissions(store.db, at(OWNER, OTHER_REGION), 'Greet', { add: [READER, 'all'], remove: [], sharedVersion: '$DEFAULT', now: NOW });
      assert.deepEqual((await listSharedDocuments(store.db, at(READER, OTHER_REGION), 'private')).map((d) => d.doc.name), ['Greet']);
      assert.deepEqual(await listSharedDocuments(store.db, at(READER), 'private'), []);
      assert.deepEqual(await listSharedDocuments(store.db, at(STRANGER), 'public'), []);
      const arn = `arn:aws:ssm:${OTHER_REGION}:${OWNER}:document/Greet`;
      assert.equal((await resolveDocumentForUse(store.db, { scope: at(READER, OTHER_REGION), nameOrArn: arn })).ownerAccountId, OWNER);
      await assert.rejects(resolveDocumentForUse(store.db, { scope: at(READER), nameOrArn: `arn:aws:ssm:${REGION}:${OWNER}:document/Greet` }), rejectsWith('InvalidDocument', /does not exist/));
    }));

    test('built-in documents exist in every region, with that region\'s ARN', () => withStore(target, async (store) => {
      const found = await resolveDocumentForUse(store.db, { scope: at(OWNER, 'cn-north-1'), nameOrArn: 'AWS-RunShellScript' });
      assert.equal(found.arn, 'arn:aws-cn:ssm:cn-north-1::document/AWS-RunShellScript');
      const byArn = await resolveDocumentForUse(store.db, { scope: at(OWNER, OTHER_REGION), nameOrArn: `arn:aws:ssm:${OTHER_REGION}::document/AWS-RunShellScript` });
      assert.equal(byArn.ownerAccountId, '');
      assert.deepEqual((await getVersionInfos(store.db, at('', OTHER_REGION), 'AWS-RunShellScript')).map((v) => v.region), [OTHER_REGION]);
    }));
  });
}

import crypto from 'node:crypto';
import { awsError, formatArn, parseArn, partitionOf, type Scope } from '@bosun/protocol';
import type { Principal } from '../accounts/principal.ts';
import { handlerCheck, type Authorizer } from '../api/authorize.ts';
import { seal, unseal, type RootKey } from '../crypto/root-key.ts';
import type { Db } from '../store/store.ts';
import type { KmsKeysTable } from '../store/schema.ts';
import { decryptBlob, encryptBlob, envelopeDataKeyBlob, openEnvelope, readBlobHeader, sealEnvelope } from './ciphertext.ts';
import { addKeyVersion, getAlias, getKey, getKeyVersion, insertAlias, insertKey } from './key-store.ts';

export interface KeyServiceOptions {
  readonly db: Db;
  readonly rootKey: RootKey;
  readonly authorize: Authorizer;
  /**
   * How long a key's row (state, current version) and an alias are trusted from memory, ms.
   * Short, so that a key disabled through another replica stops decrypting quickly. Default 1000.
   */
  readonly cacheMs?: number;
}

/**
 * Who asks, when, and in which region (the one the request is signed for): KMS checks
 * permissions on the key it resolves, as AWS does, and finds keys only in the caller's account
 * and region.
 */
export interface KeyCaller {
  readonly principal: Principal;
  readonly now: number;
  readonly region: string;
  /** The request's source address, for aws:SourceIp in the checks made on a resolved key. */
  readonly sourceIp?: string;
}

export function scopeOf(caller: KeyCaller): Scope {
  return { accountId: caller.principal.accountId, region: caller.region };
}

/** Where a key or alias row lives. */
export function rowScope(row: { account_id: string; region: string }): Scope {
  return { accountId: row.account_id, region: row.region };
}

export interface ResolvedKey {
  readonly row: KmsKeysTable;
  readonly arn: string;
}

const DAY = 24 * 60 * 60 * 1000;
export const DEFAULT_ROTATION_DAYS = 365;

const MANAGED_KEY_DESCRIPTIONS: Record<string, string> = {
  'alias/aws/ssm': 'Default key that protects my SSM parameters when no other key is defined',
  'alias/aws/secretsmanager': 'Default key that protects my Secrets Manager data when no other key is defined',
};

/**
 * Symmetric keys: resolution of key ids, ARNs and aliases, encryption under a key's current
 * material, decryption under the version a blob names, and the AWS managed keys created on
 * first use. Key rows and material are kept in memory (material forever: a version never
 * changes; rows briefly), so that decrypting a SecureString costs no query beyond its own.
 */
export class KeyService {
  private readonly rows = new Map<string, { row: KmsKeysTable; until: number }>();
  private readonly aliases = new Map<string, { keyId: string; until: number }>();
  private readonly material = new Map<string, Buffer>();
  /** Data keys of stored envelopes, opened (see ViaService.reuseAs). */
  private readonly openedDataKeys = new Map<string, Buffer>();
  private readonly creatingManaged = new Map<string, Promise<string>>();
  private readonly cacheMs: number;

  constructor(private readonly options: KeyServiceOptions) {
    this.cacheMs = options.cacheMs ?? 1000;
  }

  keyArn(scope: Scope, keyId: string): string {
    return formatArn({ service: 'kms', region: scope.region, accountId: scope.accountId, resource: `key/${keyId}` });
  }

  aliasArn(scope: Scope, aliasName: string): string {
    return formatArn({ service: 'kms', region: scope.region, accountId: scope.accountId, resource: aliasName });
  }

  /** The ARN a permission names for a key identifier as given (before it is resolved). */
  declaredArn(scope: Scope, keyIdentifier: string): string {
    if (keyIdentifier.startsWith('arn:')) return keyIdentifier;
    if (keyIdentifier.startsWith('alias/')) return this.aliasArn(scope, keyIdentifier);
    return this.keyArn(scope, keyIdentifier);
  }

  forget(keyId: string): void {
    this.rows.delete(keyId);
    for (const [name, entry] of this.aliases) if (entry.keyId === keyId) this.aliases.delete(name);
  }

  forgetAlias(scope: Scope, aliasName: string): void {
    this.aliases.delete(aliasCacheKey(scope, aliasName));
  }

  /**
   * Finds the key an identifier names (key id, key ARN, alias name, alias ARN) in the caller's
   * account and region. A pending-deletion key past its date is gone. Throws NotFoundException.
   */
  async resolve(scope: Scope, identifier: string, now: number): Promise<ResolvedKey> {
    const name = identifier.startsWith('arn:') ? resourceOfArn(scope, identifier) : identifier;
    let keyId: string;
    if (name.startsWith('alias/')) {
      const target = await this.aliasTarget(scope, name, now);
      if (!target) throw awsError('NotFoundException', `Alias ${this.aliasArn(scope, name)} is not found.`);
      keyId = target;
    } else {
      keyId = name.startsWith('key/') ? name.slice(4) : name;
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(keyId)) throw awsError('NotFoundException', `Invalid keyId ${identifier}`);
    }
    const row = await this.row(scope, keyId, now);
    if (!row) throw notFound(this.keyArn(scope, keyId));
    return { row, arn: this.keyArn(scope, keyId) };
  }

  /** The key row, with automatic rotation applied when it is due. */
  private async row(scope: Scope, keyId: string, now: number): Promise<KmsKeysTable | undefined> {
    const cached = this.rows.get(keyId);
    let row = cached && cached.until > now && inScope(cached.row, scope) ? cached.row : undefined;
    if (!row) {
      row = await getKey(this.options.db, scope, keyId);
      if (!row) return undefined;
      this.rows.set(keyId, { row, until: now + this.cacheMs });
    }
    if (row.key_state === 'PendingDeletion' && row.deletion_at !== null && Number(row.deletion_at) <= now) return undefined;
    if (row.rotation_enabled === 1 && row.key_state === 'Enabled' && row.next_rotation_at !== null && Number(row.next_rotation_at) <= now) {
      await this.rotate(row, now, 'AUTOMATIC');
      return this.reload(scope, keyId, now);
    }
    return row;
  }

  async reload(scope: Scope, keyId: string, now: number): Promise<KmsKeysTable | undefined> {
    this.rows.delete(keyId);
    const row = await getKey(this.options.db, scope, keyId);
    if (row) this.rows.set(keyId, { row, until: now + this.cacheMs });
    return row;
  }

  private async aliasTarget(scope: Scope, aliasName: string, now: number): Promise<string | undefined> {
    const cacheKey = aliasCacheKey(scope, aliasName);
    const cached = this.aliases.get(cacheKey);
    if (cached && cached.until > now) return cached.keyId;
    const alias = await getAlias(this.options.db, scope, aliasName);
    if (!alias) {
      if (MANAGED_KEY_DESCRIPTIONS[aliasName]) return this.createManagedKey(scope, aliasName, now);
      return undefined;
    }
    this.aliases.set(cacheKey, { keyId: alias.target_key_id, until: now + this.cacheMs });
    return alias.target_key_id;
  }

  /**
   * Creates an AWS managed key (alias/aws/ssm…) the first time it is used in an account and
   * region, as AWS does; concurrent first uses share one.
   */
  private createManagedKey(scope: Scope, aliasName: string, now: number): Promise<string> {
    const cacheKey = aliasCacheKey(scope, aliasName);
    let pending = this.creatingManaged.get(cacheKey);
    if (!pending) {
      pending = (async () => {
        const keyId = crypto.randomUUID();
        const { key, version } = this.newKeyRows({ scope, keyId, now, description: MANAGED_KEY_DESCRIPTIONS[aliasName], keyManager: 'AWS' });
        // AWS managed keys rotate every year, and the rotation cannot be turned off.
        key.rotation_enabled = 1;
        key.rotation_period_days = DEFAULT_ROTATION_DAYS;
        key.next_rotation_at = now + DEFAULT_ROTATION_DAYS * DAY;
        await this.options.db.transaction().execute(async (tx) => {
          await tx.insertInto('kms_keys').values(key).execute();
          await tx.insertInto('kms_key_versions').values(version).execute();
          const inserted = await insertAlias(tx, { account_id: scope.accountId, region: scope.region, alias_name: aliasName, target_key_id: keyId, created_at: now, updated_at: now });
          if (!inserted) throw new ManagedKeyRace();
        });
        return keyId;
      })().catch(async (error) => {
        // Another replica created it between our read and our insert: use theirs.
        if (!(error instanceof ManagedKeyRace) && !isUniqueViolation(error)) throw error;
        const alias = await getAlias(this.options.db, scope, aliasName);
        if (!alias) throw error;
        return alias.target_key_id;
      }).finally(() => this.creatingManaged.delete(cacheKey));
      this.creatingManaged.set(cacheKey, pending);
    }
    return pending;
  }

  newKeyRows(input: { scope: Scope; keyId: string; now: number; description: string; keyManager: 'CUSTOMER' | 'AWS'; tags?: string }) {
    const key: KmsKeysTable = {
      key_id: input.keyId,
      account_id: input.scope.accountId,
      region: input.scope.region,
      description: input.description,
      key_usage: 'ENCRYPT_DECRYPT',
      key_spec: 'SYMMETRIC_DEFAULT',
      origin: 'AWS_KMS',
      key_manager: input.keyManager,
      key_state: 'Enabled',
      created_at: input.now,
      deletion_at: null,
      pending_window_days: null,
      rotation_enabled: 0,
      rotation_period_days: null,
      next_rotation_at: null,
      current_version: 1,
      tags: input.tags ?? '[]',
    };
    return { key, version: { key_id: input.keyId, version: 1, material_sealed: this.sealMaterial(input.keyId, 1, crypto.randomBytes(32)), created_at: input.now, reason: 'CREATE' } };
  }

  async createKey(input: { scope: Scope; keyId: string; now: number; description: string; tags: string }): Promise<KmsKeysTable> {
    const { key, version } = this.newKeyRows({ ...input, keyManager: 'CUSTOMER' });
    await insertKey(this.options.db, key, version);
    return key;
  }

  /** Adds new key material; older versions stay, so data encrypted under them still decrypts. */
  async rotate(row: KmsKeysTable, now: number, reason: 'AUTOMATIC' | 'ON_DEMAND'): Promise<void> {
    const next = row.current_version + 1;
    const changes: Partial<KmsKeysTable> = {};
    if (row.rotation_enabled === 1 && reason === 'AUTOMATIC') changes.next_rotation_at = now + (row.rotation_period_days ?? DEFAULT_ROTATION_DAYS) * DAY;
    await addKeyVersion(this.options.db, rowScope(row), {
      key_id: row.key_id, version: next, material_sealed: this.sealMaterial(row.key_id, next, crypto.randomBytes(32)), created_at: now, reason,
    }, changes);
    this.forget(row.key_id);
  }

  private sealMaterial(keyId: string, version: number, material: Buffer): string {
    return seal(this.options.rootKey, material.toString('base64'), `kms-key-material:${keyId}:${version}`);
  }

  private async materialOf(keyId: string, version: number): Promise<Buffer | undefined> {
    const cacheKey = `${keyId}:${version}`;
    let material = this.material.get(cacheKey);
    if (!material) {
      const row = await getKeyVersion(this.options.db, keyId, version);
      if (!row) return undefined;
      material = Buffer.from(unseal(this.options.rootKey, row.material_sealed, `kms-key-material:${keyId}:${version}`), 'base64');
      this.material.set(cacheKey, material);
    }
    return material;
  }

  /** Refuses a key that cannot be used for cryptography, with AWS's errors. */
  usable(key: ResolvedKey): void {
    if (key.row.key_state === 'Disabled') throw awsError('DisabledException', `${key.arn} is disabled.`);
    if (key.row.key_state === 'PendingDeletion') throw awsError('KMSInvalidStateException', `${key.arn} is pending deletion.`);
  }

  /** Checks `action` on a resolved key with the request's facts, so that aws:RequestedRegion is the caller's region. */
  async authorize(caller: KeyCaller, action: string, key: ResolvedKey): Promise<void> {
    await this.authorizeOn(caller, action, key.arn);
  }

  private async authorizeOn(caller: KeyCaller, action: string, resource: string): Promise<void> {
    await this.options.authorize(caller.principal, [{ action, resource }], handlerCheck(caller));
  }

  /** Encrypt under the key's current material. */
  async encrypt(key: ResolvedKey, plaintext: Buffer, context: Record<string, string> | undefined): Promise<Buffer> {
    this.usable(key);
    const material = await this.materialOf(key.row.key_id, key.row.current_version);
    if (!material) throw awsError('KMSInternalException', `Key material of ${key.arn} is missing.`);
    return encryptBlob({ accountId: key.row.account_id, keyId: key.row.key_id, keyVersion: key.row.current_version }, material, plaintext, context);
  }

  /**
   * Decrypts a blob: finds its key in the caller's account and region (`expectedKey`, when
   * given, must be that key: IncorrectKeyException), checks `kms:Decrypt` on it, and opens it.
   * A blob made in another region names a key this region does not have: InvalidCiphertextException, as on AWS.
   */
  async decrypt(caller: KeyCaller, blob: Uint8Array, context: Record<string, string> | undefined, expectedKey?: string, options: ViaService = {}): Promise<{ plaintext: Buffer; key: ResolvedKey }> {
    const header = readBlobHeader(blob);
    if (!header) throw invalidCiphertext();
    const scope = scopeOf(caller);
    if (header.accountId !== scope.accountId) {
      await this.authorizeOn(caller, 'kms:Decrypt', this.keyArn({ accountId: header.accountId, region: scope.region }, header.keyId));
      throw invalidCiphertext();
    }
    let key: ResolvedKey;
    try {
      key = await this.resolve(scope, header.keyId, caller.now);
    } catch {
      throw invalidCiphertext();
    }
    if (expectedKey !== undefined) {
      const expected = await this.resolve(scope, expectedKey, caller.now);
      if (expected.row.key_id !== key.row.key_id) {
        throw awsError('IncorrectKeyException', 'The key ID in the request does not identify a CMK that can perform this operation.');
      }
    }
    if (!(options.viaService && key.row.key_manager === 'AWS')) await this.authorize(caller, 'kms:Decrypt', key);
    this.usable(key);
    // A data key opened before for the same envelope and context (checked above: the key is still
    // there, usable and allowed) is the same bytes again.
    const known = options.reuseAs === undefined ? undefined : this.openedDataKeys.get(options.reuseAs);
    if (known) return { plaintext: known, key };
    const material = await this.materialOf(key.row.key_id, header.keyVersion);
    const plaintext = material ? decryptBlob(blob, material, context) : undefined;
    if (!plaintext) throw invalidCiphertext();
    if (options.reuseAs !== undefined) {
      if (this.openedDataKeys.size >= 10_000) this.openedDataKeys.clear();
      this.openedDataKeys.set(options.reuseAs, plaintext);
    }
    return { plaintext, key };
  }

  async generateDataKey(key: ResolvedKey, bytes: number, context: Record<string, string> | undefined): Promise<{ plaintext: Buffer; blob: Buffer }> {
    const plaintext = crypto.randomBytes(bytes);
    return { plaintext, blob: await this.encrypt(key, plaintext, context) };
  }

  /**
   * Envelope-encrypts a value (SecureStrings, secrets): a fresh data key under `keyIdentifier`,
   * the value under the data key, both bound to `context`. The caller needs kms:GenerateDataKey.
   */
  async sealValue(caller: KeyCaller, keyIdentifier: string, plaintext: string, context: Record<string, string>): Promise<{ envelope: string; key: ResolvedKey }> {
    const key = await this.resolve(scopeOf(caller), keyIdentifier, caller.now);
    // An AWS managed key's policy allows every principal of the account through the service that owns it.
    if (key.row.key_manager !== 'AWS') await this.authorize(caller, 'kms:GenerateDataKey', key);
    const dataKey = await this.generateDataKey(key, 32, context);
    return { envelope: sealEnvelope(dataKey.blob, dataKey.plaintext, Buffer.from(plaintext, 'utf8'), context).toString('base64'), key };
  }

  /** Opens what sealValue made; the caller needs kms:Decrypt on the key. */
  async openValue(caller: KeyCaller, envelope: string, context: Record<string, string>): Promise<string> {
    const bytes = Buffer.from(envelope, 'base64');
    const dataKeyBlob = envelopeDataKeyBlob(bytes);
    if (!dataKeyBlob) throw invalidCiphertext();
    const { plaintext: dataKey } = await this.decrypt(caller, dataKeyBlob, context, undefined, { viaService: true, reuseAs: `${envelope}\0${JSON.stringify(context)}` });
    const value = openEnvelope(bytes, dataKey, context);
    if (!value) throw invalidCiphertext();
    return value.toString('utf8');
  }

  /** The key id a stored envelope was sealed under (for metadata), without decrypting. */
  static envelopeKeyId(envelope: string): string | undefined {
    const blob = envelopeDataKeyBlob(Buffer.from(envelope, 'base64'));
    return blob ? readBlobHeader(blob)?.keyId : undefined;
  }
}

export interface ViaService {
  /**
   * The data key of a stored envelope (SecureStrings, secrets) under this name may be kept in
   * memory and handed out again: only the AES-GCM open is skipped, never the checks of the key
   * (it exists, is enabled and not pending deletion, and the caller may use it). The key
   * material it came from is in memory already. Never for the KMS API's own Decrypt.
   */
  readonly reuseAs?: string;
  /**
   * The call comes through a service (Parameter Store, Secrets Manager) on the caller's behalf:
   * an AWS managed key's policy then allows every principal of the account, so no identity
   * policy needs kms:Decrypt on it (Parameter Store user guide, "SecureString parameters").
   */
  readonly viaService?: boolean;
}

class ManagedKeyRace extends Error {}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

function aliasCacheKey(scope: Scope, aliasName: string): string {
  return `${scope.accountId}/${scope.region}/${aliasName}`;
}

function inScope(row: KmsKeysTable, scope: Scope): boolean {
  return row.account_id === scope.accountId && row.region === scope.region;
}

/**
 * The key or alias resource (`key/…`, `alias/…`) a KMS ARN names in the caller's scope. An ARN of
 * another region is refused as AWS refuses it ("Invalid arn eu-west-1"); of another account, the
 * key is not found.
 */
function resourceOfArn(scope: Scope, identifier: string): string {
  const arn = parseArn(identifier);
  if (!arn || arn.service !== 'kms' || !(arn.resource.startsWith('key/') || arn.resource.startsWith('alias/')) || arn.partition !== partitionOf(arn.region)) {
    throw awsError('NotFoundException', `Invalid arn ${identifier}`);
  }
  if (arn.region !== scope.region) throw awsError('NotFoundException', `Invalid arn ${arn.region}`);
  if (arn.accountId !== scope.accountId) throw notFound(identifier);
  return arn.resource;
}

function notFound(arn: string) {
  return awsError('NotFoundException', `Key '${arn}' does not exist`);
}

export function invalidCiphertext() {
  return awsError('InvalidCiphertextException', 'The ciphertext is invalid, or it was encrypted under another key or with another encryption context.');
}

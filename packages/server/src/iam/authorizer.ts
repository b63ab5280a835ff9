import { awsError, parseArn } from '@bosun/protocol';
import type { Principal } from '../accounts/principal.ts';
import type { Authorizer, AuthorizationRequest } from '../api/authorize.ts';
import type { Permission } from '../api/operation.ts';
import type { Db } from '../store/store.ts';
import type { IamEntityType } from '../store/schema.ts';
import { attachedPolicies, defaultDocuments, groupsOfUser, inlinePolicies, recordAccessKeyUse, tagsOf } from './iam-store.ts';
import { findBuiltinPolicy } from './policy/builtin.ts';
import { buildContext, type PrincipalFacts } from './policy/context.ts';
import { parsePolicy, type PolicyDocument } from './policy/document.ts';
import { evaluate } from './policy/evaluate.ts';

export interface PrincipalPolicies {
  readonly documents: readonly PolicyDocument[];
  readonly tags: Readonly<Record<string, string>>;
}

type Decision = 'Allow' | 'ImplicitDeny' | 'ExplicitDeny';

/** Most decisions remembered per principal (action × resource pairs); past it they start over. */
const DECISIONS_PER_PRINCIPAL = 1000;

const LAST_USED_GRANULARITY_MS = 10 * 60 * 1000;

interface CacheEntry {
  readonly value: Promise<PrincipalPolicies>;
  readonly recheckAt: number;
  /** The policies once loaded, for the calls that follow without waiting a promise. */
  loaded?: PrincipalPolicies;
  /**
   * Decisions by `action\nresource`, when the documents are context-free (no Condition, no
   * policy variable in a Resource): then nothing but the action and the resource decides, and
   * a decision holds as long as the policies it was made from (this entry) do.
   */
  decisions?: Map<string, Decision>;
}

/**
 * Authorises every call with the caller's identity-based policies (managed and inline,
 * of the user and its groups, or of the assumed role). Policies are read from the store
 * and kept briefly in memory: a change made through this process's IAM API takes effect
 * at once (`invalidate`), one made by another replica within `ttlMs`.
 */
export class PolicyAuthorizer {
  private readonly cache = new Map<string, CacheEntry>();
  /** When each access key's use was last written: at most once per LAST_USED_GRANULARITY_MS per key and process. */
  private readonly lastUseWritten = new Map<string, number>();
  private readonly ttlMs: number;

  constructor(private readonly options: { db: Db; now: () => number; ttlMs?: number }) {
    this.ttlMs = options.ttlMs ?? 5_000;
  }

  readonly authorize: Authorizer = (principal, permissions, request) => {
    const noted = request ? this.noteKeyUse(principal, request) : undefined;
    if (noted) return noted.then(() => this.check(principal, permissions, request));
    try {
      return this.check(principal, permissions, request);
    } catch (error) {
      // A refusal is a rejected promise, as it always was, never a synchronous throw.
      return Promise.reject(error);
    }
  };

  /** Synchronous when the principal's policies are already in memory (nearly every call). */
  private check(principal: Principal, permissions: readonly Permission[], request: AuthorizationRequest | undefined): Promise<void> | void {
    if (permissions.length === 0) return;
    const entry = this.entryOf(principal);
    if (!entry.loaded) return entry.value.then(() => this.check(principal, permissions, request));
    const policies = entry.loaded;
    if (entry.decisions) {
      for (const permission of permissions) {
        const key = `${permission.action}\n${permission.resource}${permission.grantedToCaller ? '\ngranted' : ''}`;
        let decision = entry.decisions.get(key);
        if (decision === undefined) {
          decision = decisionOf(principal.accountId, policies.documents, permission, () => new Map());
          if (entry.decisions.size >= DECISIONS_PER_PRINCIPAL) entry.decisions.clear();
          entry.decisions.set(key, decision);
        }
        if (decision !== 'Allow') throw awsError('AccessDeniedException', denialMessage(principal.arn, permission, decision === 'ExplicitDeny'));
      }
      return;
    }
    const facts = principalFacts(principal, policies.tags);
    for (const permission of permissions) decide(facts, policies.documents, permission, request);
  }

  /**
   * Keeps an access key's "last used" current without a write per call: AWS itself reports it
   * with a granularity of hours ("within the previous 4 hours", GetAccessKeyLastUsed).
   */
  private noteKeyUse(principal: Principal, request: AuthorizationRequest): Promise<void> | undefined {
    if (principal.type !== 'IAMUser' || !request.service) return undefined;
    const last = this.lastUseWritten.get(principal.accessKeyId);
    if (last !== undefined && request.now - last < LAST_USED_GRANULARITY_MS) return undefined;
    this.lastUseWritten.set(principal.accessKeyId, request.now);
    if (this.lastUseWritten.size > 100_000) this.lastUseWritten.clear();
    return recordAccessKeyUse(this.options.db, { accessKeyId: principal.accessKeyId, now: request.now, serviceName: request.service, region: request.region });
  }

  invalidate(): void {
    this.cache.clear();
  }

  async policiesOf(principal: Principal): Promise<PrincipalPolicies> {
    return this.entryOf(principal).value;
  }

  private entryOf(principal: Principal): CacheEntry {
    const now = this.options.now();
    const key = principal.type === 'IAMUser' ? `${principal.accountId}|user|${principal.userName}` : `${principal.accountId}|role|${principal.roleName}`;
    let entry = this.cache.get(key);
    if (!entry || entry.recheckAt <= now) {
      const loading: CacheEntry = { value: loadPolicies(this.options.db, principal), recheckAt: now + this.ttlMs };
      loading.value.then((policies) => {
        loading.loaded = policies;
        if (policies.documents.every(isContextFree)) loading.decisions = new Map();
      }, () => this.cache.delete(key));
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(key, loading);
      entry = loading;
    }
    return entry;
  }
}

/** A document whose decisions depend on the action and resource alone: no conditions, no policy variables in resources. */
function isContextFree(document: PolicyDocument): boolean {
  return document.statements.every((s) => s.conditions.length === 0 && s.resources.every((r, i) => r === '*' || s.resourceMatchers[i] !== undefined));
}

/** Throws AccessDeniedException unless the policies allow `permission`. */
export function decide(principal: PrincipalFacts, documents: readonly PolicyDocument[], permission: Permission, request: AuthorizationRequest | undefined): void {
  const decision = decisionOf(principal.accountId, documents, permission, () => buildContext(principal, {
    sourceIp: request?.sourceIp ?? '127.0.0.1',
    secureTransport: request?.secureTransport ?? false,
    now: request?.now ?? Date.now(),
    region: request?.region ?? 'us-east-1',
  }, permission.conditions));
  if (decision === 'Allow') return;
  throw awsError('AccessDeniedException', denialMessage(principal.arn, permission, decision === 'ExplicitDeny'));
}

function decisionOf(accountId: string, documents: readonly PolicyDocument[], permission: Permission, context: () => Map<string, readonly string[]>): Decision {
  // Without resource-based policies (or a grant such as document sharing), another account's resources are out of reach.
  const resourceAccount = permission.resource === '*' ? undefined : parseArn(permission.resource)?.accountId;
  const foreign = !permission.grantedToCaller && resourceAccount !== undefined && /^\d{12}$/.test(resourceAccount) && resourceAccount !== accountId;
  return foreign ? 'ImplicitDeny' : evaluate(documents, { action: permission.action, resource: permission.resource, context: context() }).decision;
}

export function denialMessage(principalArn: string, permission: Permission, explicit: boolean): string {
  const head = `User: ${principalArn} is not authorized to perform: ${permission.action} on resource: ${permission.resource}`;
  return explicit ? `${head} with an explicit deny in an identity-based policy` : `${head} because no identity-based policy allows the ${permission.action} action`;
}

export function principalFacts(principal: Principal, tags: Readonly<Record<string, string>>): PrincipalFacts {
  return principal.type === 'IAMUser'
    ? { type: 'IAMUser', arn: principal.arn, accountId: principal.accountId, userId: principal.userId, userName: principal.userName, tags }
    : { type: 'AssumedRole', arn: principal.arn, accountId: principal.accountId, userId: principal.userId, roleArn: principal.roleArn, tags };
}

async function loadPolicies(db: Db, principal: Principal): Promise<PrincipalPolicies> {
  const entities: [IamEntityType, string][] = principal.type === 'IAMUser'
    ? [['user', principal.userName], ...(await groupsOfUser(db, principal.accountId, principal.userName)).map((g): [IamEntityType, string] => ['group', g])]
    : [['role', principal.roleName]];
  const texts: string[] = [];
  for (const [type, name] of entities) {
    const arns = await attachedPolicies(db, principal.accountId, type, name);
    for (const arn of arns) {
      const builtin = findBuiltinPolicy(arn);
      if (builtin) texts.push(builtin.document);
    }
    texts.push(...await defaultDocuments(db, arns.filter((a) => !findBuiltinPolicy(a))));
    texts.push(...(await inlinePolicies(db, principal.accountId, type, name)).map((p) => p.document));
  }
  const tagRows = await tagsOf(db, principal.accountId, principal.type === 'IAMUser' ? 'user' : 'role', principal.type === 'IAMUser' ? principal.userName : principal.roleName);
  // Documents were validated when stored; one that no longer parses grants nothing.
  const documents = texts.flatMap((text) => {
    try {
      return [parsePolicy(text)];
    } catch {
      return [];
    }
  });
  return { documents, tags: Object.fromEntries(tagRows.map((t) => [t.Key, t.Value])) };
}

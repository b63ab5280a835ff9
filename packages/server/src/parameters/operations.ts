import crypto from 'node:crypto';
import { awsError, compileJavaPattern, isAwsError, type ssm } from '@bosun/protocol';
import { defineOperation, type CallContext, type Operation } from '../api/operation.ts';
import type { AuditResource } from '../audit/record.ts';
import type { KeyService } from '../kms/key-service.ts';
import { getSettingRow } from '../settings/settings-store.ts';
import type { Db } from '../store/store.ts';
import { checkDataType, checkDataTypeName } from './data-types.ts';
import { checkFilters, isPathForm, legacyFilters, matches, PATH_RULES, type Filter } from './filters.ts';
import { MAX_PARAMETER_TAGS } from './parameter-tags.ts';
import { checkNewName, isValidLabel, MAX_LABELS_PER_VERSION, namesOtherRegion, parameterArn, parentPath, parseSelector, REFERENCE_PREFIX, type Selector } from './names.ts';
import { deleteParameter, getCurrent, getTags, getVersions, listCurrent, putVersion, setLabels, VersionConflict, type VersionRow } from './parameter-store.ts';
import { parsePolicies } from './policies.ts';
import { nextPolicyDueAt } from './policy-decisions.ts';

/** What GetParameter(s) needs from Secrets Manager to answer /aws/reference/secretsmanager/NAME. */
export interface SecretReferences {
  reference(ctx: CallContext, secretId: string, selector: { versionId?: string; stage?: string }): Promise<ssm.Parameter>;
}

export interface ParameterDeps {
  readonly db: Db;
  readonly keys: KeyService;
  readonly references?: SecretReferences;
}

export const DEFAULT_KEY = 'alias/aws/ssm';
export const MAX_VERSIONS = 100;
const VALUE_LIMIT: Record<string, number> = { Standard: 4096, Advanced: 8192 };
const STANDARD_PARAMETER_LIMIT = 10_000;
/**
 * Page sizes when MaxResults is absent. AWS documents none for these three; measured on AWS (and
 * as moto records it): DescribeParameters 10, GetParametersByPath 10, GetParameterHistory 50.
 */
const DEFAULT_PAGE = { DescribeParameters: 10, GetParametersByPath: 10, GetParameterHistory: 50 } as const;
const MAX_TAGS = MAX_PARAMETER_TAGS;

/** Parameter Store: the ten operations of the SSM API that hold configuration and secrets. */
export function parameterOperations(deps: ParameterDeps): Operation[] {
  const { db, keys } = deps;
  const arnOf = (ctx: CallContext, name: string) => parameterArn(ctx.region, ctx.principal.accountId, name);
  /** Answers made once per cached row (see toParameter), and GetParameter's output around each. */
  const answered = new WeakMap<VersionRow, ssm.Parameter>();
  const getParameterOutputs = new WeakMap<ssm.Parameter, ssm.GetParameterResult>();
  const context = (ctx: CallContext, name: string) => ({ PARAMETER_ARN: arnOf(ctx, name) });
  const caller = (ctx: CallContext) => ({ principal: ctx.principal, now: ctx.now, region: ctx.region });

  /** The name a permission names, whatever selector or ARN the input carries (never throws). */
  const plainName = (text: string) => {
    try {
      return parseSelector(text).name;
    } catch {
      return text;
    }
  };
  /** The name of a parameter of the request's region; ParameterNotFound for an ARN of another region. */
  const localName = (ctx: CallContext, text: string) => {
    if (namesOtherRegion(text, ctx.region)) throw awsError('ParameterNotFound', `Parameter ${text} not found.`);
    return plainName(text);
  };
  /** A name given as an ARN is checked as that ARN (another account's is refused by the authoriser). */
  const resourceOf = (ctx: CallContext, text: string) => {
    const arn = /^(arn:aws[\w-]*:ssm:[\w-]*:\d{12}:parameter\/[^:]*)/.exec(text);
    return arn ? arn[1] : arnOf(ctx, plainName(text));
  };
  const onName = (action: string) => (ctx: CallContext, input: { Name: string }) => [{ action, resource: resourceOf(ctx, input.Name) }];
  const nameResource = (ctx: CallContext, input: { Name: string }): AuditResource[] => [{ type: 'AWS::SSM::Parameter', name: plainName(input.Name), arn: arnOf(ctx, plainName(input.Name)) }];
  const namesResources = (ctx: CallContext, input: { Names: string[] }): AuditResource[] => input.Names.map((n) => ({ type: 'AWS::SSM::Parameter', name: plainName(n), arn: arnOf(ctx, plainName(n)) }));

  /** KMS errors reach Parameter Store callers wrapped, as AWS wraps them: InvalidKeyId naming the KMS error. */
  function kmsFailure(ctx: CallContext, error: unknown): unknown {
    if (!isAwsError(error)) return error;
    const suffix = ` (Service: AWSKMS; Status Code: 400; Error Code: ${error.code}; Request ID: ${ctx.requestId}; Proxy: null)`;
    if (error.code === 'AccessDeniedException') return awsError('AccessDeniedException', error.message + suffix);
    if (['NotFoundException', 'DisabledException', 'KMSInvalidStateException', 'InvalidCiphertextException', 'IncorrectKeyException'].includes(error.code)) {
      return awsError('InvalidKeyId', error.message + suffix);
    }
    return error;
  }

  const isExpired = (row: VersionRow, now: number) => row.expires_at !== null && Number(row.expires_at) <= now;

  async function valueOf(ctx: CallContext, row: VersionRow, withDecryption: boolean | undefined): Promise<string> {
    if (row.type !== 'SecureString' || !withDecryption) return row.value;
    try {
      return await keys.openValue(caller(ctx), row.value, context(ctx, row.name));
    } catch (error) {
      throw kmsFailure(ctx, error);
    }
  }

  /** The version a selector names, or undefined. Throws ParameterVersionNotFound for a missing version number. */
  async function find(ctx: CallContext, sel: Selector): Promise<VersionRow | undefined> {
    if (sel.version === undefined && sel.label === undefined) {
      const row = await getCurrent(db, ctx.scope, sel.name);
      return row && !isExpired(row, ctx.now) ? row : undefined;
    }
    const versions = await getVersions(db, ctx.scope, sel.name);
    const current = versions[versions.length - 1];
    if (!current || isExpired(current, ctx.now)) return undefined;
    if (sel.version !== undefined) {
      const row = versions.find((v) => v.version === sel.version);
      if (!row) throw awsError('ParameterVersionNotFound', `Systems Manager could not find version ${sel.version} of ${sel.name}. Verify the version and try again.`);
      return row;
    }
    return versions.find((v) => (JSON.parse(v.labels) as string[]).includes(sel.label!));
  }

  async function toParameter(ctx: CallContext, row: VersionRow, withDecryption: boolean | undefined, selector?: string): Promise<ssm.Parameter> {
    // Nothing of the call changes the answer for a row read from the cache (store/read-cache.ts)
    // unless a value is decrypted or a selector named: made once per row, frozen (the pipeline
    // then encodes it once too). Decrypted values are never kept.
    const reusable = !selector && (row.type !== 'SecureString' || !withDecryption) && row.account_id === ctx.principal.accountId && row.region === ctx.region;
    if (reusable) {
      const known = answered.get(row);
      if (known) return known;
    }
    const parameter: ssm.Parameter = {
      Name: row.name,
      Type: row.type,
      Value: await valueOf(ctx, row, withDecryption),
      Version: row.version,
      ...(selector ? { Selector: selector } : {}),
      LastModifiedDate: new Date(Number(row.last_modified_at)),
      ARN: arnOf(ctx, row.name),
      DataType: row.data_type,
    };
    if (reusable) answered.set(row, Object.freeze(parameter));
    return parameter;
  }

  function policiesOf(row: VersionRow): ssm.ParameterInlinePolicy[] {
    return (JSON.parse(row.policies) as string[]).map((text) => ({ PolicyText: text, PolicyType: (JSON.parse(text) as { Type: string }).Type, PolicyStatus: 'Pending' }));
  }

  function metadataOf(ctx: CallContext, row: VersionRow): ssm.ParameterMetadata {
    return {
      Name: row.name,
      ARN: arnOf(ctx, row.name),
      Type: row.type,
      ...(row.type === 'SecureString' && row.key_id ? { KeyId: row.key_id } : {}),
      LastModifiedDate: new Date(Number(row.last_modified_at)),
      LastModifiedUser: row.last_modified_user,
      ...(row.description ? { Description: row.description } : {}),
      ...(row.allowed_pattern ? { AllowedPattern: row.allowed_pattern } : {}),
      Version: row.version,
      Tier: row.tier as ssm.ParameterTier,
      Policies: policiesOf(row),
      DataType: row.data_type,
    };
  }

  async function getOne(ctx: CallContext, text: string, withDecryption: boolean | undefined): Promise<ssm.Parameter | undefined> {
    if (namesOtherRegion(text, ctx.region)) return undefined;
    const sel = parseSelector(text);
    if (sel.name.startsWith(REFERENCE_PREFIX)) {
      if (!withDecryption) throw awsError('ValidationException', 'WithDecryption flag must be True for retrieving a Secret Manager secret.');
      if (!deps.references) return undefined;
      const secretId = sel.name.slice(REFERENCE_PREFIX.length);
      return deps.references.reference(ctx, secretId, sel.version !== undefined || (sel.label && /^[0-9a-f-]{32,64}$/.test(sel.label)) ? { versionId: sel.selector!.slice(1) } : { stage: sel.label });
    }
    const row = await find(ctx, sel);
    return row ? toParameter(ctx, row, withDecryption, sel.selector) : undefined;
  }

  return [
    defineOperation<ssm.PutParameterRequest, ssm.PutParameterResult>({
      service: 'ssm', name: 'PutParameter', readOnly: false, permissions: onName('ssm:PutParameter'), resources: nameResource,
      async handle(ctx, input) {
        const { scope } = ctx;
        checkNewName(input.Name, scope);
        if (input.Overwrite && input.Tags && input.Tags.length > 0) {
          throw awsError('ValidationException', "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.");
        }
        checkDataTypeName(input.DataType);
        const policies = parsePolicies(input.Policies);
        const current = await getCurrent(db, scope, input.Name);
        // A top-level parameter keeps the form it was created with, whichever form this call names.
        const name = current?.name ?? input.Name;
        if (!current && !input.Type) throw awsError('ValidationException', 'A parameter type is required when you create a parameter.');
        if (current && !input.Overwrite) throw awsError('ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');
        const type = input.Type ?? current!.type;
        if (current && type !== current.type) {
          throw awsError('HierarchyTypeMismatchException', `Parameter Store doesn't support changing a parameter type: ${name} is a ${current.type} parameter and can't become a ${type}. Delete it and create it again, or create a new parameter.`);
        }
        if (input.KeyId !== undefined && type !== 'SecureString') throw awsError('ValidationException', 'KeyId is required for SecureString type parameter only.');
        const dataType = checkDataType({ dataType: input.DataType, type, name, value: input.Value, current: current?.data_type });

        const allowedPattern = input.AllowedPattern ?? current?.allowed_pattern ?? undefined;
        if (allowedPattern !== undefined) {
          const pattern = compileJavaPattern(allowedPattern);
          if (!pattern) throw awsError('InvalidAllowedPatternException', `The allowed pattern is not a valid regular expression: ${allowedPattern}`);
          const items = type === 'StringList' ? input.Value.split(',') : [input.Value];
          if (!items.every((item) => pattern.test(item))) {
            throw awsError('ParameterPatternMismatchException', `Parameter value, cannot be validated against allowedPattern: ${allowedPattern}`);
          }
        }

        const requested = input.Tier ?? (await getSettingRow(db, scope, '/ssm/parameter-store/default-parameter-tier'))?.setting_value ?? 'Standard';
        const size = Buffer.byteLength(input.Value, 'utf8');
        let tier = requested;
        if (requested === 'Intelligent-Tiering') tier = size > VALUE_LIMIT.Standard || policies.length > 0 || current?.tier === 'Advanced' ? 'Advanced' : 'Standard';
        if (current?.tier === 'Advanced' && tier === 'Standard') {
          throw awsError('ValidationException', "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a standard parameter.");
        }
        if (size > VALUE_LIMIT[tier]) {
          throw awsError('ValidationException', tier === 'Standard'
            ? `Standard tier parameters support a maximum parameter value of ${VALUE_LIMIT.Standard} characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html`
            : `Advanced tier parameters support a maximum parameter value of ${VALUE_LIMIT.Advanced} characters.`);
        }
        if (tier === 'Standard' && policies.length > 0) {
          throw awsError('ValidationException', 'Parameter policies are supported only by advanced-tier parameters. Use Tier Advanced or Intelligent-Tiering to assign policies.');
        }
        if (!current && tier === 'Standard') {
          const count = await db.selectFrom('parameter_versions').select((eb) => eb.fn.countAll<number>().as('n'))
            .where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('is_current', '=', 1).where('tier', '=', 'Standard').executeTakeFirstOrThrow();
          if (Number(count.n) >= STANDARD_PARAMETER_LIMIT) {
            throw awsError('ParameterLimitExceeded', `You have reached the limit of ${STANDARD_PARAMETER_LIMIT} standard parameters in this account and Region. Use the advanced tier, or delete parameters you no longer need.`);
          }
        }
        if ((input.Tags?.length ?? 0) > MAX_TAGS) throw awsError('TooManyTagsError', `A parameter can have at most ${MAX_TAGS} tags.`);

        let drop: number | undefined;
        if (current && current.version >= MAX_VERSIONS) {
          const versions = await getVersions(db, scope, name);
          if (versions.length >= MAX_VERSIONS) {
            const oldest = versions[0];
            if ((JSON.parse(oldest.labels) as string[]).length > 0) {
              throw awsError('ParameterMaxVersionLimitExceeded', `You attempted to create a new version of ${name} by calling the PutParameter API with the overwrite flag. Version ${oldest.version}, the oldest version, can't be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again.`);
            }
            drop = oldest.version;
          }
        }

        let value = input.Value;
        let keyId: string | null = null;
        if (type === 'SecureString') {
          keyId = input.KeyId ?? DEFAULT_KEY;
          try {
            value = (await keys.sealValue(caller(ctx), keyId, input.Value, context(ctx, name))).envelope;
          } catch (error) {
            throw kmsFailure(ctx, error);
          }
        }
        const version = (current?.version ?? 0) + 1;
        const expiration = policies.find((p) => p.type === 'Expiration');
        try {
          await putVersion(db, {
            account_id: scope.accountId,
            region: scope.region,
            name,
            version,
            parent_path: parentPath(name),
            type,
            value,
            key_id: keyId,
            description: input.Description ?? current?.description ?? null,
            allowed_pattern: allowedPattern ?? null,
            tier,
            policies: JSON.stringify(policies.map((p) => p.text)),
            data_type: dataType,
            labels: '[]',
            last_modified_at: ctx.now,
            last_modified_user: ctx.principal.arn,
            is_current: 1,
            expires_at: expiration?.expiresAt ?? null,
            // Due times already past (an expiration in the past) count: the scheduler acts at once.
            policy_due_at: policies.length > 0 ? nextPolicyDueAt(policies, ctx.now, Number.NEGATIVE_INFINITY) : null,
          }, { previous: current?.version, drop, tags: current ? undefined : JSON.stringify(input.Tags ?? []) });
        } catch (error) {
          if (error instanceof VersionConflict) throw awsError('TooManyUpdates', `Another update of ${name} happened at the same time. Try again.`);
          throw error;
        }
        return { Version: version, Tier: tier as ssm.ParameterTier };
      },
    }),

    defineOperation<ssm.GetParameterRequest, ssm.GetParameterResult>({
      service: 'ssm', name: 'GetParameter', readOnly: true, permissions: onName('ssm:GetParameter'), resources: nameResource,
      async handle(ctx, input) {
        const parameter = await getOne(ctx, input.Name, input.WithDecryption);
        if (!parameter) throw awsError('ParameterNotFound', `Parameter ${plainName(input.Name)} not found.`);
        if (!Object.isFrozen(parameter)) return { Parameter: parameter };
        let output = getParameterOutputs.get(parameter);
        if (!output) getParameterOutputs.set(parameter, output = Object.freeze({ Parameter: parameter }));
        return output;
      },
    }),

    defineOperation<ssm.GetParametersRequest, ssm.GetParametersResult>({
      service: 'ssm', name: 'GetParameters', readOnly: true,
      permissions: (ctx, input) => input.Names.map((n) => ({ action: 'ssm:GetParameters', resource: resourceOf(ctx, n) })),
      resources: namesResources,
      async handle(ctx, input) {
        const parameters: ssm.Parameter[] = [];
        const invalid: string[] = [];
        for (const text of [...new Set(input.Names)]) {
          let parameter: ssm.Parameter | undefined;
          try {
            parameter = await getOne(ctx, text, input.WithDecryption);
          } catch (error) {
            if (!isAwsError(error) || !['ParameterVersionNotFound', 'ParameterNotFound'].includes(error.code)) throw error;
          }
          if (parameter) parameters.push(parameter);
          else invalid.push(text);
        }
        return { Parameters: parameters, InvalidParameters: invalid };
      },
    }),

    defineOperation<ssm.GetParametersByPathRequest, ssm.GetParametersByPathResult>({
      service: 'ssm', name: 'GetParametersByPath', readOnly: true,
      permissions: (ctx, input) => [{ action: 'ssm:GetParametersByPath', resource: arnOf(ctx, input.Path) }],
      resources: (ctx, input) => [{ type: 'AWS::SSM::Parameter', name: input.Path, arn: arnOf(ctx, input.Path) }],
      async handle(ctx, input) {
        if (!isPathForm(input.Path)) throw awsError('ValidationException', PATH_RULES);
        if (input.Path.split('/').filter((p) => p).length > 15) throw awsError('HierarchyLevelLimitExceededException', 'A hierarchy can have a maximum of 15 levels.');
        const filters = checkFilters(input.ParameterFilters, 'GetParametersByPath');
        const path = input.Path.length > 1 ? input.Path.replace(/\/+$/, '') : '/';
        const limit = input.MaxResults ?? DEFAULT_PAGE.GetParametersByPath;
        const range = input.Recursive
          ? { prefix: path === '/' ? '/' : `${path}/` }
          : { parent: path };
        const labelFilter = filters.find((f) => f.key === 'Label');
        const others = filters.filter((f) => f.key !== 'Label');
        const found: VersionRow[] = [];
        const more = await scan(ctx, decodeToken(input.NextToken), limit, range, async (rows) => {
          const tags = others.some((f) => f.key === 'tag') ? await getTags(db, ctx.scope, rows.map((r) => r.name)) : new Map<string, string>();
          const picked: VersionRow[] = [];
          for (const row of rows) {
            if (isExpired(row, ctx.now)) continue;
            if (!matches(row, JSON.parse(tags.get(row.name) ?? '[]'), others)) continue;
            if (labelFilter) {
              const versions = await getVersions(db, ctx.scope, row.name);
              const labeled = versions.find((v) => (JSON.parse(v.labels) as string[]).some((l) => labelFilter.values.includes(l)));
              if (labeled) picked.push(labeled);
            } else picked.push(row);
          }
          return picked;
        }, found, filters.length > 0 || path === '/');
        const parameters = [];
        for (const row of found) parameters.push(await toParameter(ctx, row, input.WithDecryption));
        return { Parameters: parameters, ...(more ? { NextToken: encodeToken(found[found.length - 1].name) } : {}) };
      },
    }),

    defineOperation<ssm.DescribeParametersRequest, ssm.DescribeParametersResult>({
      service: 'ssm', name: 'DescribeParameters', readOnly: true,
      permissions: () => [{ action: 'ssm:DescribeParameters', resource: '*' }],
      async handle(ctx, input) {
        if (input.Filters?.length && input.ParameterFilters?.length) throw awsError('ValidationException', 'You can use either Filters or ParameterFilters in a single request.');
        if (input.Shared) throw awsError('ValidationException', 'Bosun does not share parameters across accounts: Shared must be false.');
        const filters: Filter[] = input.ParameterFilters ? checkFilters(input.ParameterFilters, 'DescribeParameters') : legacyFilters(input.Filters);
        const limit = input.MaxResults ?? DEFAULT_PAGE.DescribeParameters;
        const found: VersionRow[] = [];
        const more = await scan(ctx, decodeToken(input.NextToken), limit, {}, async (rows) => {
          const tags = filters.some((f) => f.key === 'tag') ? await getTags(db, ctx.scope, rows.map((r) => r.name)) : new Map<string, string>();
          return rows.filter((row) => !isExpired(row, ctx.now) && matches(row, JSON.parse(tags.get(row.name) ?? '[]'), filters));
        }, found, filters.length > 0);
        return { Parameters: found.map((row) => metadataOf(ctx, row)), ...(more ? { NextToken: encodeToken(found[found.length - 1].name) } : {}) };
      },
    }),

    defineOperation<ssm.GetParameterHistoryRequest, ssm.GetParameterHistoryResult>({
      service: 'ssm', name: 'GetParameterHistory', readOnly: true, permissions: onName('ssm:GetParameterHistory'), resources: nameResource,
      async handle(ctx, input) {
        const name = localName(ctx, input.Name);
        const versions = await getVersions(db, ctx.scope, name);
        if (versions.length === 0 || isExpired(versions[versions.length - 1], ctx.now)) throw awsError('ParameterNotFound', `Parameter ${name} not found.`);
        const limit = input.MaxResults ?? DEFAULT_PAGE.GetParameterHistory;
        const start = input.NextToken ? Number(decodeToken(input.NextToken)) : 0;
        if (!Number.isInteger(start) || start < 0) throw awsError('InvalidNextToken', 'The nextToken is not valid.');
        const page = versions.slice(start, start + limit);
        const history: ssm.ParameterHistory[] = [];
        for (const row of page) {
          history.push({
            Name: row.name,
            Type: row.type,
            ...(row.type === 'SecureString' && row.key_id ? { KeyId: row.key_id } : {}),
            LastModifiedDate: new Date(Number(row.last_modified_at)),
            LastModifiedUser: row.last_modified_user,
            ...(row.description ? { Description: row.description } : {}),
            Value: await valueOf(ctx, row, input.WithDecryption),
            ...(row.allowed_pattern ? { AllowedPattern: row.allowed_pattern } : {}),
            Version: row.version,
            Labels: JSON.parse(row.labels) as string[],
            Tier: row.tier as ssm.ParameterTier,
            Policies: policiesOf(row),
            DataType: row.data_type,
          });
        }
        const next = start + limit < versions.length ? encodeToken(String(start + limit)) : undefined;
        return { Parameters: history, ...(next ? { NextToken: next } : {}) };
      },
    }),

    defineOperation<ssm.DeleteParameterRequest, ssm.DeleteParameterResult>({
      service: 'ssm', name: 'DeleteParameter', readOnly: false, permissions: onName('ssm:DeleteParameter'), resources: nameResource,
      async handle(ctx, input) {
        const name = localName(ctx, input.Name);
        const deleted = await deleteParameter(db, ctx.scope, name, { id: crypto.randomUUID(), at: ctx.now, by: ctx.principal.arn });
        if (!deleted) throw awsError('ParameterNotFound', `Parameter ${name} not found.`);
        return {};
      },
    }),

    defineOperation<ssm.DeleteParametersRequest, ssm.DeleteParametersResult>({
      service: 'ssm', name: 'DeleteParameters', readOnly: false,
      permissions: (ctx, input) => input.Names.map((n) => ({ action: 'ssm:DeleteParameters', resource: resourceOf(ctx, n) })),
      resources: namesResources,
      async handle(ctx, input) {
        const deleted: string[] = [];
        const invalid: string[] = [];
        for (const text of [...new Set(input.Names)]) {
          const ok = !namesOtherRegion(text, ctx.region) && await deleteParameter(db, ctx.scope, plainName(text), { id: crypto.randomUUID(), at: ctx.now, by: ctx.principal.arn });
          (ok ? deleted : invalid).push(text);
        }
        return { DeletedParameters: deleted, InvalidParameters: invalid };
      },
    }),

    defineOperation<ssm.LabelParameterVersionRequest, ssm.LabelParameterVersionResult>({
      service: 'ssm', name: 'LabelParameterVersion', readOnly: false, permissions: onName('ssm:LabelParameterVersion'), resources: nameResource,
      async handle(ctx, input) {
        const name = localName(ctx, input.Name);
        const versions = await getVersions(db, ctx.scope, name);
        if (versions.length === 0) throw awsError('ParameterNotFound', `Parameter ${name} not found.`);
        const target = input.ParameterVersion === undefined ? versions[versions.length - 1] : versions.find((v) => v.version === input.ParameterVersion);
        if (!target) throw awsError('ParameterVersionNotFound', `Systems Manager could not find version ${input.ParameterVersion} of ${name}. Verify the version and try again.`);
        const invalid = input.Labels.filter((l) => !isValidLabel(l));
        const valid = [...new Set(input.Labels.filter((l) => isValidLabel(l)))];
        const changes: { version: number; labels: string[] }[] = [];
        for (const v of versions) {
          const labels = JSON.parse(v.labels) as string[];
          if (v.version === target.version) {
            const next = [...new Set([...labels, ...valid])];
            if (next.length > MAX_LABELS_PER_VERSION) {
              // AWS's wording, without a space after the first sentence.
              throw awsError('ParameterVersionLabelLimitExceeded', `A parameter version can have maximum ${MAX_LABELS_PER_VERSION} labels.Move one or more labels to another version and try again.`);
            }
            changes.push({ version: v.version, labels: next });
          } else if (labels.some((l) => valid.includes(l))) {
            // A label names one version: attaching it here moves it from the other.
            changes.push({ version: v.version, labels: labels.filter((l) => !valid.includes(l)) });
          }
        }
        await setLabels(db, ctx.scope, name, changes);
        return { InvalidLabels: invalid, ParameterVersion: target.version };
      },
    }),

    defineOperation<ssm.UnlabelParameterVersionRequest, ssm.UnlabelParameterVersionResult>({
      service: 'ssm', name: 'UnlabelParameterVersion', readOnly: false, permissions: onName('ssm:UnlabelParameterVersion'), resources: nameResource,
      async handle(ctx, input) {
        const name = localName(ctx, input.Name);
        const versions = await getVersions(db, ctx.scope, name);
        if (versions.length === 0) throw awsError('ParameterNotFound', `Parameter ${name} not found.`);
        const target = versions.find((v) => v.version === input.ParameterVersion);
        if (!target) throw awsError('ParameterVersionNotFound', `Systems Manager could not find version ${input.ParameterVersion} of ${name}. Verify the version and try again.`);
        const labels = JSON.parse(target.labels) as string[];
        const removed = input.Labels.filter((l) => labels.includes(l));
        const invalid = input.Labels.filter((l) => !labels.includes(l));
        if (removed.length > 0) await setLabels(db, ctx.scope, name, [{ version: target.version, labels: labels.filter((l) => !removed.includes(l)) }]);
        return { RemovedLabels: removed, InvalidLabels: invalid };
      },
    }),
  ];

  /**
   * Pages through current versions by name, keeping what `pick` keeps, until `limit` are found.
   * Returns whether more may follow (then the next token is the last name returned).
   */
  async function scan(
    ctx: CallContext, after: string | undefined, limit: number, range: { parent?: string; prefix?: string },
    pick: (rows: VersionRow[]) => Promise<VersionRow[]>, found: VersionRow[], filtered = true,
  ): Promise<boolean> {
    // Unfiltered pages read one row more than they return (to know whether more follow); filtered ones read ahead.
    const batch = filtered ? Math.max(limit * 2, 100) : limit + 1;
    let cursor = after;
    for (;;) {
      const rows = await listCurrent(db, ctx.scope, { ...range, after: cursor, limit: batch });
      if (rows.length === 0) return false;
      const kept = await pick(rows);
      for (let i = 0; i < kept.length; i++) {
        if (found.length === limit) return true;
        found.push(kept[i]);
      }
      if (rows.length < batch) {
        return false;
      }
      cursor = rows[rows.length - 1].name;
      if (found.length === limit) {
        // More rows exist; whether any of them passes is unknown, so report more (AWS also returns empty last pages).
        return true;
      }
    }
  }
}

function encodeToken(value: string): string {
  return Buffer.from(JSON.stringify({ a: value }), 'utf8').toString('base64url');
}

function decodeToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { a?: unknown };
    if (typeof parsed.a === 'string') return parsed.a;
  } catch {
    // fall through
  }
  throw awsError('InvalidNextToken', 'The nextToken is not valid.');
}

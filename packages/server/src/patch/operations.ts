import crypto from 'node:crypto';
import { awsError, formatArn, type ssm } from '@bosun/protocol';
import { defineOperation, type CallContext, type Operation, type Permission } from '../api/operation.ts';
import { page } from '../nodes/paging.ts';
import type { Db } from '../store/store.ts';
import {
  checkBaselineDefinition, customBaselineIdOf, DEFAULT_OPERATING_SYSTEM, definitionOf, newBaselineId, PREDEFINED_BASELINES, predefinedBaselineId, predefinedById,
  predefinedFor, profileOf, withDefaults, type BaselineDefinition,
} from './baseline-definitions.ts';
import {
  deleteBaseline, deletePatchGroup, findBaseline, findDefault, insertBaseline, insertPatchGroup, listBaselines, listDefaults, listPatchGroups, setDefault,
  updateBaselineRow, type BaselineRow,
} from './patch-store.ts';

export interface PatchLimits {
  /** Custom baselines per account and Region. AWS: 50. */
  readonly baselines?: number;
  /** Patch groups per baseline. AWS: 25. */
  readonly patchGroupsPerBaseline?: number;
}

export interface PatchOperationDeps {
  readonly db: Db;
  readonly limits?: PatchLimits;
}

/** A baseline as the operations see it: a custom row of the scope, or one of AWS's predefined baselines. */
interface Baseline {
  readonly baselineId: string;
  readonly name: string;
  readonly operatingSystem: string;
  readonly description?: string;
  readonly definition: BaselineDefinition;
  readonly predefined: boolean;
  readonly row?: BaselineRow;
}

/** The ARN of a baseline id (IAM resources, tags); an ARN is itself. */
export const baselineArn = (ctx: Pick<CallContext, 'scope'>, id: string) => (id.startsWith('arn:') ? id : formatArn({ service: 'ssm', region: ctx.scope.region, accountId: ctx.scope.accountId, resource: `patchbaseline/${id}` }));
const requestHash = (input: object) => crypto.createHash('sha256').update(JSON.stringify({ ...input, ClientToken: undefined })).digest('hex');

function customOf(row: BaselineRow): Baseline {
  return {
    baselineId: row.baseline_id, name: row.name, operatingSystem: row.operating_system, ...(row.description === null ? {} : { description: row.description }),
    definition: JSON.parse(row.definition) as BaselineDefinition, predefined: false, row,
  };
}

/**
 * The 12 operations of patch baselines and patch groups (docs/patching.md). Baselines are
 * regional; AWS's predefined baselines are readable from every account and region, by an id
 * that is an ARN without an account.
 */
export function patchOperations(deps: PatchOperationDeps): Operation[] {
  const { db } = deps;
  const limits = { baselines: 50, patchGroupsPerBaseline: 25, ...deps.limits };

  const onBaseline = (action: string) => (ctx: CallContext, input: { BaselineId?: string }): Permission[] => [{ action, resource: input.BaselineId ? baselineArn(ctx, input.BaselineId) : '*' }];
  const anywhere = (action: string) => (): Permission[] => [{ action, resource: '*' }];
  const audit = (_ctx: CallContext, input: object, output?: object) => {
    const id = (input as { BaselineId?: string }).BaselineId ?? (output as { BaselineId?: string } | undefined)?.BaselineId;
    return id ? [{ type: 'AWS::SSM::PatchBaseline', name: id }] : [];
  };

  function predefinedOf(ctx: CallContext, baselineId: string): Baseline | undefined {
    const p = predefinedById(ctx.scope.region, baselineId);
    return p && { baselineId, name: p.name, operatingSystem: p.operatingSystem, description: p.description, definition: p.definition, predefined: true };
  }

  async function baselineOf(ctx: CallContext, baselineId: string): Promise<Baseline> {
    const predefined = predefinedOf(ctx, baselineId);
    if (predefined) return predefined;
    const id = customBaselineIdOf(baselineId, ctx.scope);
    if (id === undefined) throw awsError('InvalidResourceId', `${baselineId} is not a valid patch baseline id: give pb- and 17 hexadecimal digits, its ARN, or the id of an AWS predefined baseline of this Region.`);
    const row = await findBaseline(db, ctx.scope, id);
    if (!row) throw awsError('DoesNotExistException', `Patch Baseline ${baselineId} does not exist.`);
    return customOf(row);
  }

  /** The scope's default baseline id of an OS: the registered one, else AWS's predefined one. */
  async function defaultIdOf(ctx: CallContext, operatingSystem: string): Promise<string> {
    const row = await findDefault(db, ctx.scope, operatingSystem);
    if (row) return row.baseline_id;
    return predefinedBaselineId(ctx.scope.region, predefinedFor(operatingSystem)!.name);
  }

  async function identityOf(ctx: CallContext, b: Baseline, defaults?: Map<string, string>): Promise<ssm.PatchBaselineIdentity> {
    const defaultId = defaults?.get(b.operatingSystem) ?? (await defaultIdOf(ctx, b.operatingSystem));
    return {
      BaselineId: b.baselineId, BaselineName: b.name, OperatingSystem: b.operatingSystem as ssm.OperatingSystem,
      ...(b.description === undefined ? {} : { BaselineDescription: b.description }), DefaultBaseline: defaultId === b.baselineId,
    };
  }

  async function defaultsMap(ctx: CallContext): Promise<Map<string, string>> {
    const registered = new Map((await listDefaults(db, ctx.scope)).map((d) => [d.operating_system, d.baseline_id]));
    return new Map(PREDEFINED_BASELINES.map((p) => [p.operatingSystem, registered.get(p.operatingSystem) ?? predefinedBaselineId(ctx.scope.region, p.name)]));
  }

  function resultOf(b: Baseline) {
    const d = withDefaults(b.definition);
    return {
      BaselineId: b.baselineId, Name: b.name, OperatingSystem: b.operatingSystem as ssm.OperatingSystem, GlobalFilters: d.GlobalFilters, ApprovalRules: d.ApprovalRules,
      ApprovedPatches: d.ApprovedPatches, ApprovedPatchesComplianceLevel: d.ApprovedPatchesComplianceLevel as ssm.PatchComplianceLevel,
      ApprovedPatchesEnableNonSecurity: d.ApprovedPatchesEnableNonSecurity, RejectedPatches: d.RejectedPatches, RejectedPatchesAction: d.RejectedPatchesAction as ssm.PatchAction,
      ...(b.description === undefined ? {} : { Description: b.description }), Sources: d.Sources,
      ...(b.row ? { CreatedDate: new Date(b.row.created_at), ModifiedDate: new Date(b.row.updated_at) } : {}),
    };
  }

  function prefixFilter(key: string, values: readonly string[] | undefined): (s: string) => boolean {
    if (!values || values.length !== 1) throw awsError('ValidationException', `The filter ${key} takes exactly one value.`);
    return (s: string) => s.startsWith(values[0]);
  }

  return [
    defineOperation<ssm.CreatePatchBaselineRequest, ssm.CreatePatchBaselineResult>({
      service: 'ssm', name: 'CreatePatchBaseline', readOnly: false,
      permissions: (ctx) => [{ action: 'ssm:CreatePatchBaseline', resource: baselineArn(ctx, '*') }],
      resources: audit,
      async handle(ctx, input) {
        const operatingSystem = input.OperatingSystem ?? DEFAULT_OPERATING_SYSTEM;
        if (input.Name.startsWith('AWS-')) throw awsError('ValidationException', `Baseline names beginning with AWS- are reserved for AWS's predefined baselines: ${input.Name}.`);
        const definition = definitionOf(input as BaselineDefinition);
        checkBaselineDefinition(operatingSystem, { ...definition, AvailableSecurityUpdatesComplianceStatus: input.AvailableSecurityUpdatesComplianceStatus });
        const row: BaselineRow = {
          baseline_id: newBaselineId(), account_id: ctx.scope.accountId, region: ctx.scope.region, name: input.Name, operating_system: operatingSystem,
          description: input.Description ?? null, definition: JSON.stringify(definition), tags: JSON.stringify(input.Tags ?? []), client_token: input.ClientToken ?? null,
          request_hash: requestHash(input), created_at: ctx.now, updated_at: ctx.now,
        };
        const result = await insertBaseline(db, row, limits.baselines);
        if (result.ok) return { BaselineId: row.baseline_id };
        if (result.reason === 'limit') throw awsError('ResourceLimitExceededException', `You can have at most ${limits.baselines} patch baselines in an account and Region.`);
        if (result.existing.request_hash !== row.request_hash) throw awsError('IdempotentParameterMismatch', 'The ClientToken was used before with different parameters.');
        return { BaselineId: result.existing.baseline_id };
      },
    }),
    defineOperation<ssm.GetPatchBaselineRequest, ssm.GetPatchBaselineResult>({
      service: 'ssm', name: 'GetPatchBaseline', readOnly: true, permissions: onBaseline('ssm:GetPatchBaseline'), resources: audit,
      async handle(ctx, input) {
        const b = await baselineOf(ctx, input.BaselineId);
        const groups = (await listPatchGroups(db, ctx.scope)).filter((g) => g.baseline_id === b.baselineId).map((g) => g.patch_group);
        return { ...resultOf(b), PatchGroups: groups };
      },
    }),
    defineOperation<ssm.UpdatePatchBaselineRequest, ssm.UpdatePatchBaselineResult>({
      service: 'ssm', name: 'UpdatePatchBaseline', readOnly: false, permissions: onBaseline('ssm:UpdatePatchBaseline'), resources: audit,
      async handle(ctx, input) {
        const current = await baselineOf(ctx, input.BaselineId);
        if (current.predefined) throw awsError('ValidationException', `${current.name} is an AWS predefined baseline and cannot be changed: create a baseline of your own.`);
        if (input.Replace && input.Name === undefined) throw awsError('ValidationException', 'Name is required when Replace is true.');
        const given = definitionOf(input as BaselineDefinition);
        const definition = input.Replace ? given : { ...current.definition, ...given };
        checkBaselineDefinition(current.operatingSystem, { ...definition, AvailableSecurityUpdatesComplianceStatus: input.AvailableSecurityUpdatesComplianceStatus });
        const name = input.Name ?? current.name;
        if (name.startsWith('AWS-')) throw awsError('ValidationException', `Baseline names beginning with AWS- are reserved for AWS's predefined baselines: ${name}.`);
        const description = input.Description ?? (input.Replace ? null : (current.description ?? null));
        const changes = { name, description, definition: JSON.stringify(definition), updated_at: ctx.now };
        if (!(await updateBaselineRow(db, ctx.scope, current.baselineId, changes))) throw awsError('DoesNotExistException', `Patch Baseline ${input.BaselineId} does not exist.`);
        return resultOf(customOf({ ...current.row!, ...changes }));
      },
    }),
    defineOperation<ssm.DeletePatchBaselineRequest, ssm.DeletePatchBaselineResult>({
      service: 'ssm', name: 'DeletePatchBaseline', readOnly: false, permissions: onBaseline('ssm:DeletePatchBaseline'), resources: audit,
      async handle(ctx, input) {
        const predefined = predefinedOf(ctx, input.BaselineId);
        if (predefined) throw awsError('ValidationException', `${predefined.name} is an AWS predefined baseline and cannot be deleted.`);
        const id = customBaselineIdOf(input.BaselineId, ctx.scope);
        // Like AWS, a baseline that is not there is deleted already (the model declares no DoesNotExistException here).
        if (id === undefined) return { BaselineId: input.BaselineId };
        const result = await deleteBaseline(db, ctx.scope, id);
        if (result === 'default') throw awsError('ResourceInUseException', `Patch baseline ${input.BaselineId} is the default patch baseline of its operating system: register another default (RegisterDefaultPatchBaseline) first.`);
        if (result === 'in-use') throw awsError('ResourceInUseException', `Patch baseline ${input.BaselineId} is registered with a patch group: deregister it (DeregisterPatchBaselineForPatchGroup) first.`);
        return { BaselineId: input.BaselineId };
      },
    }),
    defineOperation<ssm.DescribePatchBaselinesRequest, ssm.DescribePatchBaselinesResult>({
      service: 'ssm', name: 'DescribePatchBaselines', readOnly: true, permissions: anywhere('ssm:DescribePatchBaselines'),
      async handle(ctx, input) {
        let owner = 'All';
        const checks: ((b: Baseline) => boolean)[] = [];
        for (const f of input.Filters ?? []) {
          if (f.Key === 'NAME_PREFIX') {
            const match = prefixFilter('NAME_PREFIX', f.Values);
            checks.push((b) => match(b.name));
          } else if (f.Key === 'OPERATING_SYSTEM') {
            const values = new Set(f.Values ?? []);
            checks.push((b) => values.has(b.operatingSystem));
          } else if (f.Key === 'OWNER') {
            const v = f.Values ?? [];
            if (v.length !== 1 || !['Self', 'AWS', 'All'].includes(v[0])) throw awsError('ValidationException', 'The filter OWNER takes one value: Self, AWS or All.');
            owner = v[0];
          } else {
            throw awsError('ValidationException', `The filter key ${f.Key} is not valid. Valid keys: NAME_PREFIX, OWNER, OPERATING_SYSTEM.`);
          }
        }
        const predefined = owner === 'Self' ? [] : PREDEFINED_BASELINES.map((p) => predefinedOf(ctx, predefinedBaselineId(ctx.scope.region, p.name))!);
        const custom = owner === 'AWS' ? [] : (await listBaselines(db, ctx.scope)).map(customOf);
        const keyOf = (b: Baseline) => (b.row ? `1/${String(b.row.created_at).padStart(16, '0')}/${b.baselineId}` : `0/${b.name}`);
        const all = [...predefined, ...custom].filter((b) => checks.every((c) => c(b))).sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
        const p = page(all, keyOf, { nextToken: input.NextToken, maxResults: input.MaxResults ?? 100 });
        const defaults = await defaultsMap(ctx);
        return { BaselineIdentities: await Promise.all(p.items.map((b) => identityOf(ctx, b, defaults))), NextToken: p.nextToken };
      },
    }),
    defineOperation<ssm.GetDefaultPatchBaselineRequest, ssm.GetDefaultPatchBaselineResult>({
      service: 'ssm', name: 'GetDefaultPatchBaseline', readOnly: true, permissions: anywhere('ssm:GetDefaultPatchBaseline'),
      async handle(ctx, input) {
        const operatingSystem = input.OperatingSystem ?? DEFAULT_OPERATING_SYSTEM;
        profileOf(operatingSystem);
        return { BaselineId: await defaultIdOf(ctx, operatingSystem), OperatingSystem: operatingSystem as ssm.OperatingSystem };
      },
    }),
    defineOperation<ssm.RegisterDefaultPatchBaselineRequest, ssm.RegisterDefaultPatchBaselineResult>({
      service: 'ssm', name: 'RegisterDefaultPatchBaseline', readOnly: false, permissions: onBaseline('ssm:RegisterDefaultPatchBaseline'), resources: audit,
      async handle(ctx, input) {
        const b = await baselineOf(ctx, input.BaselineId);
        await setDefault(db, ctx.scope, b.operatingSystem, b.baselineId, ctx.now, b.predefined);
        return { BaselineId: b.baselineId };
      },
    }),
    defineOperation<ssm.RegisterPatchBaselineForPatchGroupRequest, ssm.RegisterPatchBaselineForPatchGroupResult>({
      service: 'ssm', name: 'RegisterPatchBaselineForPatchGroup', readOnly: false, permissions: onBaseline('ssm:RegisterPatchBaselineForPatchGroup'), resources: audit,
      async handle(ctx, input) {
        const b = await baselineOf(ctx, input.BaselineId);
        const result = await insertPatchGroup(db, {
          account_id: ctx.scope.accountId, region: ctx.scope.region, patch_group: input.PatchGroup, operating_system: b.operatingSystem, baseline_id: b.baselineId, registered_at: ctx.now,
        }, limits.patchGroupsPerBaseline);
        if (result === 'exists') throw awsError('AlreadyExistsException', `Patch Group ${input.PatchGroup} already has a baseline registered for OperatingSystem ${b.operatingSystem}.`);
        if (result === 'limit') throw awsError('ResourceLimitExceededException', `A patch baseline can be registered with at most ${limits.patchGroupsPerBaseline} patch groups.`);
        return { BaselineId: b.baselineId, PatchGroup: input.PatchGroup };
      },
    }),
    defineOperation<ssm.DeregisterPatchBaselineForPatchGroupRequest, ssm.DeregisterPatchBaselineForPatchGroupResult>({
      service: 'ssm', name: 'DeregisterPatchBaselineForPatchGroup', readOnly: false, permissions: onBaseline('ssm:DeregisterPatchBaselineForPatchGroup'), resources: audit,
      async handle(ctx, input) {
        const b = predefinedOf(ctx, input.BaselineId) ?? { baselineId: customBaselineIdOf(input.BaselineId, ctx.scope) };
        if (b.baselineId === undefined) throw awsError('InvalidResourceId', `${input.BaselineId} is not a valid patch baseline id.`);
        if (!(await deletePatchGroup(db, ctx.scope, input.PatchGroup, b.baselineId))) {
          throw awsError('InvalidResourceId', `Patch group ${input.PatchGroup} is not registered with patch baseline ${input.BaselineId}.`);
        }
        return { BaselineId: b.baselineId, PatchGroup: input.PatchGroup };
      },
    }),
    defineOperation<ssm.GetPatchBaselineForPatchGroupRequest, ssm.GetPatchBaselineForPatchGroupResult>({
      service: 'ssm', name: 'GetPatchBaselineForPatchGroup', readOnly: true, permissions: anywhere('ssm:GetPatchBaselineForPatchGroup'),
      async handle(ctx, input) {
        const operatingSystem = input.OperatingSystem ?? DEFAULT_OPERATING_SYSTEM;
        profileOf(operatingSystem);
        const registered = (await listPatchGroups(db, ctx.scope)).find((g) => g.patch_group === input.PatchGroup && g.operating_system === operatingSystem);
        // A group with no baseline of this OS is patched with the OS's default baseline, as on AWS.
        const baselineId = registered?.baseline_id ?? (await defaultIdOf(ctx, operatingSystem));
        return { BaselineId: baselineId, PatchGroup: input.PatchGroup, OperatingSystem: operatingSystem as ssm.OperatingSystem };
      },
    }),
    defineOperation<ssm.DescribePatchGroupsRequest, ssm.DescribePatchGroupsResult>({
      service: 'ssm', name: 'DescribePatchGroups', readOnly: true, permissions: anywhere('ssm:DescribePatchGroups'),
      async handle(ctx, input) {
        const checks = (input.Filters ?? []).map((f) => {
          if (f.Key === 'NAME_PREFIX') {
            const match = prefixFilter('NAME_PREFIX', f.Values);
            return (g: { patch_group: string }) => match(g.patch_group);
          }
          if (f.Key === 'OPERATING_SYSTEM') {
            const values = new Set(f.Values ?? []);
            return (g: { operating_system: string }) => values.has(g.operating_system);
          }
          throw awsError('ValidationException', `The filter key ${f.Key} is not valid. Valid keys: NAME_PREFIX, OPERATING_SYSTEM.`);
        });
        const groups = (await listPatchGroups(db, ctx.scope)).filter((g) => checks.every((c) => c(g)));
        const p = page(groups, (g) => `${g.patch_group}\u0000${g.operating_system}`, { nextToken: input.NextToken, maxResults: input.MaxResults ?? 100 });
        const defaults = await defaultsMap(ctx);
        const mappings: ssm.PatchGroupPatchBaselineMapping[] = [];
        for (const g of p.items) {
          const b = predefinedOf(ctx, g.baseline_id) ?? (await findBaseline(db, ctx.scope, g.baseline_id).then((row) => row && customOf(row)));
          // A baseline registered with a group cannot be deleted, so b is there; skipping keeps a page whole if a row ever goes missing.
          if (b) mappings.push({ PatchGroup: g.patch_group, BaselineIdentity: await identityOf(ctx, b, defaults) });
        }
        return { Mappings: mappings, NextToken: p.nextToken };
      },
    }),
    defineOperation<ssm.DescribePatchPropertiesRequest, ssm.DescribePatchPropertiesResult>({
      service: 'ssm', name: 'DescribePatchProperties', readOnly: true, permissions: anywhere('ssm:DescribePatchProperties'),
      async handle(_ctx, input) {
        const profile = profileOf(input.OperatingSystem);
        if (input.PatchSet === 'APPLICATION') throw awsError('ValidationException', 'PatchSet APPLICATION is for Windows Server only.');
        const values = profile.properties[input.Property];
        if (!values) {
          throw awsError('ValidationException', `Property ${input.Property} is not valid for operating system ${input.OperatingSystem}. Valid: ${Object.keys(profile.properties).join(', ')}.`);
        }
        const entries = values.map((v, i) => ({ key: String(i).padStart(6, '0'), entry: { Name: v } }));
        const p = page(entries, (e) => e.key, { nextToken: input.NextToken, maxResults: input.MaxResults ?? 50 });
        return { Properties: p.items.map((e) => e.entry), NextToken: p.nextToken };
      },
    }),
  ];
}

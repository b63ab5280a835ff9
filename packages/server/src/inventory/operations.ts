import crypto from 'node:crypto';
import { awsError, type Scope, type ssm } from '@bosun/protocol';
import type { AuditResource } from '../audit/record.ts';
import { defineOperation, type CallContext, type Operation, type Permission } from '../api/operation.ts';
import { instanceArn } from '../nodes/instance-operations.ts';
import { nodeOf } from '../nodes/node-authorizer.ts';
import { findInstance, inScope } from '../nodes/nodes-store.ts';
import { decodeNextToken, encodeNextToken, page } from '../nodes/paging.ts';
import type { Db } from '../store/store.ts';
import { AWS_SCHEMAS, awsSchemaOf, ENTRY_IDENTITY } from './aws-schemas.ts';
import { entriesMatch, entryMatches, splitKey, type Entry, type EntryFilter } from './inventory-filters.ts';
import {
  countNodesByName, deleteInventoryType, deletionSummary, entriesOf, itemsOf, listDeletions, listSchemas, putInventory, selectNodes,
  type DeletionRow, type NameCondition, type NewEntry, type NewItem, type NodeSelection, type SchemaRow,
} from './inventory-store.ts';
import { inventoryLimits, type InventoryLimits } from './limits.ts';

export interface InventoryOperationsDeps {
  readonly db: Db;
  /** Default inventoryLimits (tests lower them). */
  readonly limits?: InventoryLimits;
  /** Makes DeleteInventory's DeletionId; default a random UUID. */
  readonly newId?: () => string;
}

const DEFAULT_MAX_RESULTS = 50;
const DEFAULT_SCHEMA_MAX_RESULTS = 200;
/** Nodes read from the store at a time while GetInventory's remaining filters run. */
const BATCH = 200;

/** PutInventory, GetInventory, ListInventoryEntries, GetInventorySchema, DeleteInventory and DescribeInventoryDeletions, per account and region. */
export function inventoryOperations(deps: InventoryOperationsDeps): Operation[] {
  const { db } = deps;
  const limits = deps.limits ?? inventoryLimits;
  const newId = deps.newId ?? (() => crypto.randomUUID());

  async function registered(ctx: CallContext, instanceId: string) {
    const row = await findInstance(db, instanceId);
    return row && inScope(row, ctx.scope) && row.deregistered_at === null ? row : undefined;
  }

  /** The schema of every type the scope knows: AWS's, and its Custom ones. */
  async function schemasOf(scope: Scope): Promise<Map<string, ssm.InventoryItemSchema & { disabled?: boolean }>> {
    const out = new Map<string, ssm.InventoryItemSchema & { disabled?: boolean }>(AWS_SCHEMAS.map((s) => [s.TypeName, s]));
    for (const row of await listSchemas(db, scope)) out.set(row.type_name, customSchema(row));
    return out;
  }

  /** Filters of GetInventory by type, checked against the known schemas. */
  function compileFilters(filters: readonly ssm.InventoryFilter[] | undefined, schemas: Map<string, ssm.InventoryItemSchema>, error: 'InvalidFilter' | 'InvalidInventoryGroupException' = 'InvalidFilter') {
    return (filters ?? []).map((f) => {
      const { typeName, attribute } = splitKey(f.Key, error);
      const schema = schemas.get(typeName);
      if (!schema) throw awsError(error, `The filter key ${f.Key} isn't valid: there is no inventory type ${typeName}.`);
      if (!schema.Attributes.some((a) => a.Name === attribute)) {
        throw awsError(error, `The filter key ${f.Key} isn't valid: ${typeName} has no attribute ${attribute} (it has ${schema.Attributes.map((a) => a.Name).join(', ')}).`);
      }
      return { typeName, attribute, type: f.Type ?? 'Equal', values: f.Values } as EntryFilter & { typeName: string };
    });
  }

  /**
   * The nodes of `ids` whose entries pass every filter. A filter on Name (Equal, BeginWith)
   * reads only the entries with those names; the others read their type's entries.
   */
  async function passing(scope: Scope, ids: readonly string[], filters: readonly Filter[]): Promise<Set<string>> {
    const fullTypes = [...new Set(filters.filter((f) => !nameConditionOf(f)).map((f) => f.typeName))];
    const full = await entriesByNode(scope, ids, fullTypes);
    const perFilter: Map<string, Map<string, Entry[]>>[] = [];
    for (const f of filters) {
      const condition = nameConditionOf(f);
      perFilter.push(condition ? await entriesByNode(scope, ids, [f.typeName], condition) : full);
    }
    return new Set(ids.filter((id) => filters.every((f, i) => entriesMatch(perFilter[i].get(id)?.get(f.typeName) ?? [], f))));
  }

  /** The registered nodes with inventory that pass the filters, in id order, after `after`, at most `limit` (all when undefined). */
  async function matchingNodes(scope: Scope, filters: readonly (EntryFilter & { typeName: string })[], options: { after?: string; limit?: number }): Promise<string[]> {
    const selection = selectionOf(filters);
    const out: string[] = [];
    let after = options.after;
    for (;;) {
      const batch = await selectNodes(db, scope, selection, { after, limit: BATCH });
      if (batch.length === 0) return out;
      const passed = filters.length === 0 ? new Set(batch) : await passing(scope, batch, filters);
      for (const id of batch) {
        if (passed.has(id)) out.push(id);
        if (options.limit !== undefined && out.length >= options.limit) return out;
      }
      if (batch.length < BATCH) return out;
      after = batch[batch.length - 1];
    }
  }

  async function entriesByNode(scope: Scope, ids: readonly string[], types: readonly string[], byName?: NameCondition): Promise<Map<string, Map<string, Entry[]>>> {
    const byNode = new Map<string, Map<string, Entry[]>>();
    for (const row of await entriesOf(db, scope, ids, types, byName)) {
      let byType = byNode.get(row.instance_id);
      if (!byType) byNode.set(row.instance_id, (byType = new Map()));
      let list = byType.get(row.type_name);
      if (!list) byType.set(row.type_name, (list = []));
      list.push(JSON.parse(row.content) as Entry);
    }
    return byNode;
  }

  return [
    defineOperation<ssm.PutInventoryRequest, ssm.PutInventoryResult>({
      service: 'ssm',
      name: 'PutInventory',
      readOnly: false,
      // ssm:PutInventory on the node (AWS's Service Authorization Reference: resource managed-instance or instance).
      permissions: (ctx, input): Permission[] => [{ action: 'ssm:PutInventory', resource: instanceArn(ctx, input.InstanceId) }],
      resources: (ctx, input): AuditResource[] => [{ type: 'AWS::SSM::ManagedInstance', name: input.InstanceId, arn: instanceArn(ctx, input.InstanceId) }],
      async handle(ctx, input) {
        // A node's session puts its own inventory only (the node rule set allows ssm:PutInventory on any node of its account).
        const caller = nodeOf(ctx.principal);
        if (caller !== undefined && caller !== input.InstanceId) {
          throw awsError('AccessDeniedException', `User: ${ctx.principal.arn} is not authorized to perform: ssm:PutInventory on resource: ${instanceArn(ctx, input.InstanceId)} because a managed node may only put its own inventory`);
        }
        const schemas = await schemasOf(ctx.scope);
        const items = newItems(input.Items, schemas, limits);
        if (!(await registered(ctx, input.InstanceId))) throw invalidInstanceId(ctx, input.InstanceId);
        const result = await putInventory(db, ctx.scope, { instanceId: input.InstanceId, items, customTypeLimit: limits.customTypes }, ctx.now);
        switch (result.outcome) {
          case 'written':
            return { Message: 'Success' };
          case 'type-limit':
            throw awsError('CustomSchemaCountLimitExceededException', `You have exceeded the limit for custom schemas: an account may have ${limits.customTypes} custom inventory types in a region, and ${ctx.scope.region} already has ${result.types.length} (${result.types.join(', ')}); ${result.typeName} would be one more. Delete one with DeleteInventory and SchemaDeleteOption DeleteSchema.`);
          case 'mismatch':
            throw awsError('ItemContentMismatchException', `The inventory item ${result.typeName} has content hash but no content, and the hash isn't the one stored for ${input.InstanceId}: send the item again with its content.`);
          case 'old-version':
            throw awsError('UnsupportedInventorySchemaVersionException', `Inventory item type schema version has to match supported versions in the service: ${result.typeName} is at schema version ${result.version}, and an item can't go back to an earlier one.`);
          case 'new-attributes':
            throw awsError('InvalidItemContentException', `One or more content items isn't valid: ${result.attributes.join(', ')} ${result.attributes.length === 1 ? 'is' : 'are'} not in schema version ${result.version} of ${result.typeName}. To change a custom type's attributes, put it with a higher SchemaVersion.`);
        }
      },
    }),
    defineOperation<ssm.GetInventoryRequest, ssm.GetInventoryResult>({
      service: 'ssm',
      name: 'GetInventory',
      readOnly: true,
      permissions: () => [{ action: 'ssm:GetInventory', resource: '*' }],
      async handle(ctx, input) {
        const schemas = await schemasOf(ctx.scope);
        const filters = compileFilters(input.Filters, schemas);
        const resultTypes = (input.ResultAttributes ?? [{ TypeName: 'AWS:InstanceInformation' }]).map((r) => {
          if (!schemas.has(r.TypeName)) throw awsError('InvalidResultAttributeException', `The specified inventory item result attribute isn't valid: there is no inventory type ${r.TypeName}.`);
          return r.TypeName;
        });
        if (input.Aggregators) {
          if (input.NextToken !== undefined) decodeNextToken(input.NextToken);
          const ids = await matchingNodes(ctx.scope, filters, {});
          return { Entities: await aggregate(ctx.scope, input.Aggregators, ids, schemas, 1, filters.length === 0) };
        }
        const maxResults = input.MaxResults ?? DEFAULT_MAX_RESULTS;
        const ids = await matchingNodes(ctx.scope, filters, { after: decodeNextToken(input.NextToken), limit: maxResults + 1 });
        const pageIds = ids.slice(0, maxResults);
        const types = [...new Set(resultTypes)];
        const items = await itemsOf(db, ctx.scope, pageIds, types);
        // The entries of a filtered type are those that pass its filters (the ones the query is about): read by name when a filter names them.
        const entries = new Map<string, Map<string, Map<string, Entry[]>>>();
        for (const type of types) {
          const condition = filters.filter((f) => f.typeName === type).map(nameConditionOf).find((c) => c !== undefined);
          entries.set(type, await entriesByNode(ctx.scope, pageIds, [type], condition));
        }
        const Entities: ssm.InventoryResultEntity[] = pageIds.map((id) => {
          const Data: Record<string, ssm.InventoryResultItem> = {};
          for (const item of items.filter((i) => i.instance_id === id)) {
            const own = filters.filter((f) => f.typeName === item.type_name && f.type !== 'NotEqual');
            const content = (entries.get(item.type_name)?.get(id)?.get(item.type_name) ?? []).filter((e) => own.every((f) => entryMatches(e, f)));
            Data[item.type_name] = {
              TypeName: item.type_name, SchemaVersion: item.schema_version, CaptureTime: item.capture_time,
              ...(item.content_hash !== null ? { ContentHash: item.content_hash } : {}), Content: content as Record<string, string>[],
            };
          }
          return { Id: id, Data };
        });
        return { Entities, NextToken: ids.length > maxResults ? encodeNextToken(pageIds[pageIds.length - 1]) : undefined };
      },
    }),
    defineOperation<ssm.ListInventoryEntriesRequest, ssm.ListInventoryEntriesResult>({
      service: 'ssm',
      name: 'ListInventoryEntries',
      readOnly: true,
      permissions: (ctx, input) => [{ action: 'ssm:ListInventoryEntries', resource: instanceArn(ctx, input.InstanceId) }],
      async handle(ctx, input) {
        const schemas = await schemasOf(ctx.scope);
        const schema = schemas.get(input.TypeName);
        if (!schema) throw invalidTypeName(input.TypeName);
        const filters = (input.Filters ?? []).map((f) => {
          if (!schema.Attributes.some((a) => a.Name === f.Key)) throw awsError('InvalidFilter', `The filter key ${f.Key} isn't valid: ${input.TypeName} has no attribute ${f.Key}.`);
          return { attribute: f.Key, type: f.Type ?? 'Equal', values: f.Values } as EntryFilter;
        });
        if (!(await registered(ctx, input.InstanceId))) throw invalidInstanceId(ctx, input.InstanceId);
        const [item] = await itemsOf(db, ctx.scope, [input.InstanceId], [input.TypeName]);
        const rows = (await entriesOf(db, ctx.scope, [input.InstanceId], [input.TypeName])).map((r) => ({ key: r.entry_key, entry: JSON.parse(r.content) as Entry }))
          .filter((r) => filters.every((f) => entryMatches(r.entry, f)));
        const result = page(rows, (r) => r.key, { nextToken: input.NextToken, maxResults: input.MaxResults ?? DEFAULT_MAX_RESULTS });
        return {
          TypeName: input.TypeName, InstanceId: input.InstanceId,
          ...(item ? { SchemaVersion: item.schema_version, CaptureTime: item.capture_time } : {}),
          Entries: result.items.map((r) => r.entry as Record<string, string>), NextToken: result.nextToken,
        };
      },
    }),
    defineOperation<ssm.GetInventorySchemaRequest, ssm.GetInventorySchemaResult>({
      service: 'ssm',
      name: 'GetInventorySchema',
      readOnly: true,
      permissions: () => [{ action: 'ssm:GetInventorySchema', resource: '*' }],
      async handle(ctx, input) {
        let list = [...(await schemasOf(ctx.scope)).values()].filter((s) => !s.disabled);
        if (input.TypeName !== undefined && input.TypeName !== '') {
          list = list.filter((s) => s.TypeName === input.TypeName);
          if (list.length === 0) throw invalidTypeName(input.TypeName);
        }
        // Sub-types (AWS:ComplianceItem and the like, kept under another type) are not modelled: SubType true lists none.
        if (input.SubType) list = [];
        if (input.Aggregator) {
          list = list.map((s) => ({ ...s, Attributes: s.Attributes.filter((a) => a.DataType === 'string') })).filter((s) => s.Attributes.length > 0);
        }
        const schemas = list.map(({ TypeName, Version, Attributes }) => ({ TypeName, Version, Attributes, DisplayName: displayName(TypeName) })).sort((a, b) => (a.TypeName < b.TypeName ? -1 : 1));
        const result = page(schemas, (s) => s.TypeName, { nextToken: input.NextToken, maxResults: input.MaxResults ?? DEFAULT_SCHEMA_MAX_RESULTS });
        return { Schemas: result.items, NextToken: result.nextToken };
      },
    }),
    defineOperation<ssm.DeleteInventoryRequest, ssm.DeleteInventoryResult>({
      service: 'ssm',
      name: 'DeleteInventory',
      readOnly: false,
      permissions: () => [{ action: 'ssm:DeleteInventory', resource: '*' }],
      async handle(ctx, input) {
        if (!input.TypeName.startsWith('Custom:')) {
          throw awsError('InvalidTypeNameException', `The parameter type name is not valid: DeleteInventory deletes custom inventory types only (Custom:*), not ${input.TypeName}.`);
        }
        const schema = (await listSchemas(db, ctx.scope)).find((s) => s.type_name === input.TypeName);
        if (!schema) throw invalidTypeName(input.TypeName);
        if (input.SchemaDeleteOption === 'DisableSchema' && schema.disabled === 1) {
          throw awsError('InvalidDeleteInventoryParametersException', `One or more of the parameters specified for the delete operation isn't valid: the schema of ${input.TypeName} is already disabled.`);
        }
        if (input.DryRun) {
          return { TypeName: input.TypeName, DeletionSummary: await deletionSummary(db, ctx.scope, input.TypeName) };
        }
        // The same ClientToken is the same request: its deletion is answered again.
        const deletionId = input.ClientToken ?? newId();
        const earlier = (await listDeletions(db, ctx.scope, deletionId))[0];
        if (earlier) {
          if (earlier.type_name !== input.TypeName) throw awsError('InvalidDeleteInventoryParametersException', `One or more of the parameters specified for the delete operation isn't valid: the ClientToken ${deletionId} was used for ${earlier.type_name}.`);
          return { DeletionId: earlier.deletion_id, TypeName: earlier.type_name, DeletionSummary: JSON.parse(earlier.summary) as ssm.InventoryDeletionSummary };
        }
        const row = await deleteInventoryType(db, ctx.scope, { deletionId, typeName: input.TypeName, schemaDeleteOption: input.SchemaDeleteOption }, ctx.now);
        const summary = JSON.parse(row.summary) as ssm.InventoryDeletionSummary;
        // The response tells what there was to delete, as when the deletion starts on AWS.
        return { DeletionId: row.deletion_id, TypeName: row.type_name, DeletionSummary: { ...summary, RemainingCount: summary.TotalCount, SummaryItems: summary.SummaryItems?.map((s) => ({ ...s, RemainingCount: s.Count })) } };
      },
    }),
    defineOperation<ssm.DescribeInventoryDeletionsRequest, ssm.DescribeInventoryDeletionsResult>({
      service: 'ssm',
      name: 'DescribeInventoryDeletions',
      readOnly: true,
      permissions: () => [{ action: 'ssm:DescribeInventoryDeletions', resource: '*' }],
      async handle(ctx, input) {
        const rows = await listDeletions(db, ctx.scope, input.DeletionId);
        if (input.DeletionId !== undefined && rows.length === 0) throw awsError('InvalidDeletionIdException', `The ID specified for the delete operation doesn't exist or isn't valid: ${input.DeletionId}. Verify the ID and try again.`);
        const keyOf = (r: DeletionRow) => `${String(9_999_999_999_999 - r.started_at).padStart(13, '0')}\u0000${r.deletion_id}`;
        const result = page(rows, keyOf, { nextToken: input.NextToken, maxResults: input.MaxResults ?? DEFAULT_MAX_RESULTS });
        return { InventoryDeletions: result.items.map(deletionItem), NextToken: result.nextToken };
      },
    }),
  ];

  /** Aggregated counts (GetInventory with Aggregators) over the matching nodes. */
  /** `allNodes`: `ids` are every node with inventory (no filter), so counts need not name them. */
  async function aggregate(scope: Scope, aggregators: readonly ssm.InventoryAggregator[], ids: readonly string[], schemas: Map<string, ssm.InventoryItemSchema>, depth: number, allNodes: boolean): Promise<ssm.InventoryResultEntity[]> {
    if (depth > 3) throw awsError('InvalidAggregatorException', 'The specified aggregator isn\'t valid: aggregators nest at most 3 levels deep.');
    const entities: ssm.InventoryResultEntity[] = [];
    for (const aggregator of aggregators) {
      if (aggregator.Groups) {
        if (aggregator.Expression === undefined) throw awsError('InvalidAggregatorException', 'The specified aggregator isn\'t valid: an aggregator with Groups needs an Expression (TypeName.AttributeName) naming what it counts.');
        const { typeName } = expressionOf(aggregator.Expression, schemas);
        for (const group of aggregator.Groups) {
          const filters = compileFilters(group.Filters, schemas, 'InvalidInventoryGroupException');
          let matching = 0;
          for (let i = 0; i < ids.length; i += BATCH) matching += (await passing(scope, ids.slice(i, i + BATCH), filters)).size;
          entities.push({
            Id: group.Name,
            Data: { [typeName]: { TypeName: typeName, SchemaVersion: schemas.get(typeName)!.Version ?? '1.0', Content: [{ matchingCount: String(matching), notMatchingCount: String(ids.length - matching) }] } },
          });
        }
        continue;
      }
      if (aggregator.Expression === undefined) throw awsError('InvalidAggregatorException', 'The specified aggregator isn\'t valid: give it an Expression (TypeName.AttributeName) or Groups.');
      const { typeName, attribute } = expressionOf(aggregator.Expression, schemas);
      // Counts by Name come from the name index; nesting needs each value's nodes, read from the entries.
      if (attribute === 'Name' && !aggregator.Aggregators) {
        const counted = await countNodesByName(db, scope, typeName, allNodes ? undefined : ids);
        const Content = [...counted.keys()].sort().map((value) => ({ Name: value, Count: String(counted.get(value)) }));
        entities.push({ Data: { [typeName]: { TypeName: typeName, SchemaVersion: schemas.get(typeName)!.Version ?? '1.0', Content } } });
        continue;
      }
      const counts = new Map<string, Set<string>>();
      for (let i = 0; i < ids.length; i += BATCH) {
        const batch = ids.slice(i, i + BATCH);
        const byNode = await entriesByNode(scope, batch, [typeName]);
        for (const id of batch) {
          for (const entry of byNode.get(id)?.get(typeName) ?? []) {
            const value = entry[attribute];
            if (value === undefined) continue;
            let nodes = counts.get(value);
            if (!nodes) counts.set(value, (nodes = new Set()));
            nodes.add(id);
          }
        }
      }
      const values = [...counts.keys()].sort();
      const Content = values.map((value) => ({ [attribute]: value, Count: String(counts.get(value)!.size) }));
      entities.push({ Data: { [typeName]: { TypeName: typeName, SchemaVersion: schemas.get(typeName)!.Version ?? '1.0', Content } } });
      if (aggregator.Aggregators) {
        for (const value of values) {
          for (const inner of await aggregate(scope, aggregator.Aggregators, [...counts.get(value)!].sort(), schemas, depth + 1, false)) {
            entities.push({ Id: `${aggregator.Expression}=${value}${inner.Id !== undefined ? `/${inner.Id}` : ''}`, Data: inner.Data });
          }
        }
      }
    }
    return entities;
  }
}

function expressionOf(expression: string, schemas: Map<string, ssm.InventoryItemSchema>): { typeName: string; attribute: string } {
  const { typeName, attribute } = splitKey(expression, 'InvalidAggregatorException');
  const schema = schemas.get(typeName);
  if (!schema || !schema.Attributes.some((a) => a.Name === attribute)) {
    throw awsError('InvalidAggregatorException', `The specified aggregator isn't valid: ${expression} names no attribute of a known inventory type.`);
  }
  return { typeName, attribute };
}

type Filter = EntryFilter & { typeName: string };

/** The entries a filter is about, when the name index can find them: Name Equal or BeginWith. */
function nameConditionOf(f: Filter): NameCondition | undefined {
  if (f.attribute !== 'Name') return undefined;
  if (f.type === 'Equal') return { names: f.values };
  if (f.type === 'BeginWith' && f.values.length === 1) return { prefix: f.values[0] };
  return undefined;
}

/** Which of the filters the store can answer from its name index, or the type to start from. */
function selectionOf(filters: readonly (EntryFilter & { typeName: string })[]): NodeSelection {
  const byName = filters.find((f) => f.attribute === 'Name' && (f.type === 'Equal' || (f.type === 'BeginWith' && f.values.length === 1)));
  if (byName) return byName.type === 'Equal' ? { kind: 'names', typeName: byName.typeName, names: byName.values } : { kind: 'prefix', typeName: byName.typeName, prefix: byName.values[0] };
  const positive = filters.find((f) => f.type !== 'NotEqual');
  return positive ? { kind: 'type', typeName: positive.typeName } : { kind: 'all' };
}

function customSchema(row: SchemaRow): ssm.InventoryItemSchema & { disabled?: boolean } {
  return { TypeName: row.type_name, Version: row.version, Attributes: JSON.parse(row.attributes) as ssm.InventoryItemAttribute[], ...(row.disabled === 1 ? { disabled: true } : {}) };
}

function displayName(typeName: string): string {
  return typeName.slice(typeName.indexOf(':') + 1);
}

function deletionItem(row: DeletionRow): ssm.InventoryDeletionStatusItem {
  return {
    DeletionId: row.deletion_id, TypeName: row.type_name, DeletionStartTime: new Date(row.started_at), LastStatus: row.status as ssm.InventoryDeletionStatus,
    LastStatusMessage: row.status_message, DeletionSummary: JSON.parse(row.summary) as ssm.InventoryDeletionSummary, LastStatusUpdateTime: new Date(row.updated_at),
  };
}

function invalidTypeName(typeName: string) {
  return awsError('InvalidTypeNameException', `The parameter type name is not valid: there is no inventory type ${typeName} in this account and region.`);
}

function invalidInstanceId(ctx: CallContext, id: string) {
  return awsError('InvalidInstanceId', `The instance ID ${id} isn't valid: it is not a registered managed node of account ${ctx.scope.accountId} in ${ctx.scope.region}. Verify that you entered the correct ID and try again.`);
}

/** A put's items checked against AWS's limits and schemas, with each entry's identity: nothing is stored when one fails. */
export function newItems(items: readonly ssm.InventoryItem[], schemas: Map<string, ssm.InventoryItemSchema & { disabled?: boolean }>, limits: InventoryLimits): NewItem[] {
  const seen = new Set<string>();
  let total = 0;
  return items.map((item) => {
    if (seen.has(item.TypeName)) throw awsError('InvalidItemContentException', `The inventory type ${item.TypeName} appears more than once in Items: each type is one item.`);
    seen.add(item.TypeName);
    const aws = item.TypeName.startsWith('AWS:');
    const schema = aws ? awsSchemaOf(item.TypeName) : undefined;
    if (aws && !schema) throw awsError('InvalidTypeNameException', `The parameter type name is not valid: ${item.TypeName} is not an AWS inventory type (custom types are named Custom:<name>).`);
    if (schema && item.SchemaVersion !== schema.Version) {
      throw awsError('UnsupportedInventorySchemaVersionException', `Inventory item type schema version has to match supported versions in the service: ${item.TypeName} is at schema version ${schema.Version}, not ${item.SchemaVersion}.`);
    }
    if (item.Context !== undefined && Object.keys(item.Context).length > 0 && item.TypeName !== 'AWS:ComplianceItem') {
      throw awsError('UnsupportedInventoryItemContextException', `The Context attribute that you specified for the InventoryItem isn't allowed for this inventory type: ${item.TypeName} takes no Context.`);
    }
    const size = Buffer.byteLength(JSON.stringify(item.Content ?? []), 'utf8');
    if (size > limits.itemBytes) {
      throw awsError('ItemSizeLimitExceededException', `The inventory item ${item.TypeName} is ${size} bytes, over the limit of ${limits.itemBytes} bytes (${limits.itemBytes / 1024} KB) per item.`);
    }
    total += size;
    if (total > limits.totalBytes) throw awsError('TotalSizeLimitExceededException', `The size of the inventory items of this request is over the limit of ${limits.totalBytes} bytes.`);
    if (item.Content === undefined && item.ContentHash === undefined) {
      throw awsError('InvalidItemContentException', `One or more content items isn't valid: ${item.TypeName} has neither Content nor ContentHash.`);
    }
    const attributes = new Set<string>();
    for (const entry of item.Content ?? []) for (const name of Object.keys(entry)) attributes.add(name);
    if (schema) {
      const known = new Set(schema.Attributes.map((a) => a.Name));
      const extra = [...attributes].filter((a) => !known.has(a));
      if (extra.length > 0) throw awsError('InvalidItemContentException', `One or more content items isn't valid: ${extra.join(', ')} ${extra.length === 1 ? 'is' : 'are'} not attributes of ${item.TypeName} ${schema.Version}.`);
    } else if (attributes.size > limits.attributesPerType) {
      throw awsError('InvalidItemContentException', `One or more content items isn't valid: ${item.TypeName} has ${attributes.size} attributes, over the limit of ${limits.attributesPerType} per custom type.`);
    }
    return {
      typeName: item.TypeName, schemaVersion: item.SchemaVersion, captureTime: item.CaptureTime, contentHash: item.ContentHash,
      entries: item.Content === undefined ? undefined : entriesOfItem(item.TypeName, item.Content), attributes: [...attributes],
    };
  });
}

/** Between the parts of an entry's key: the unit separator (PostgreSQL text takes no NUL). */
const KEY_SEPARATOR = '\u001f';

/** Each entry with its identity (see ENTRY_IDENTITY) and canonical JSON (attributes in name order). */
export function entriesOfItem(typeName: string, content: readonly Record<string, string>[]): NewEntry[] {
  const identity = ENTRY_IDENTITY[typeName] ?? ['Name'];
  const used = new Map<string, number>();
  return content.map((entry) => {
    const canonical = JSON.stringify(Object.fromEntries(Object.keys(entry).sort().map((k) => [k, entry[k]])));
    const parts = identity.map((a) => entry[a]);
    let key = parts.every((p) => p === undefined) ? (content.length === 1 ? '#0' : `#${crypto.createHash('sha256').update(canonical).digest('base64url').slice(0, 22)}`) : parts.map((p) => p ?? '').join(KEY_SEPARATOR);
    // '' is the item's own row in the history.
    if (key === '') key = KEY_SEPARATOR;
    const n = used.get(key) ?? 0;
    used.set(key, n + 1);
    if (n > 0) key = `${key}${KEY_SEPARATOR}#${n}`;
    // PostgreSQL text holds no NUL: the columns the store looks entries up by carry none (the content, JSON, escapes it).
    return { key: key.replace(/\u0000/g, '\ufffd'), name: typeof entry.Name === 'string' ? entry.Name.replace(/\u0000/g, '\ufffd') : null, content: canonical };
  });
}

import { awsError, type ssm } from '@bosun/protocol';
import type { AuditResource } from '../audit/record.ts';
import { defineOperation, type CallContext, type Operation, type Permission } from '../api/operation.ts';

/**
 * One ResourceType of AddTagsToResource / ListTagsForResource / RemoveTagsFromResource.
 * Each capability that owns a taggable resource registers one (nodes: ManagedInstance,
 * parameters: Parameter, documents: Document …); the tag operations dispatch on ResourceType.
 */
export interface TaggableResource {
  /** The ResourceType value of the API, e.g. `Parameter`. */
  readonly resourceType: string;
  /** CloudTrail's resource type, e.g. `AWS::SSM::Parameter`. */
  readonly auditType: string;
  /** Most tags one resource may have (AWS: 50 for parameters and documents). */
  readonly maxTags: number;
  arn(ctx: CallContext, resourceId: string): string;
  /** The resource's tags, or undefined when the caller's account has no such resource in the request's region. */
  read(ctx: CallContext, resourceId: string): Promise<ssm.Tag[] | undefined>;
  write(ctx: CallContext, resourceId: string, tags: readonly ssm.Tag[]): Promise<void>;
}

type TagInput = { ResourceType: string; ResourceId: string };

/** The three SSM tag operations over the registered resource types. */
export function tagOperations(resources: readonly TaggableResource[]): Operation[] {
  const byType = new Map(resources.map((r) => [r.resourceType, r]));
  const supported = [...byType.keys()].join(', ');

  function kind(input: TagInput): TaggableResource {
    const resource = byType.get(input.ResourceType);
    if (!resource) throw awsError('InvalidResourceType', `The resource type ${input.ResourceType} is not supported by this server yet; supported: ${supported}.`);
    return resource;
  }

  async function existing(ctx: CallContext, input: TagInput): Promise<ssm.Tag[]> {
    const tags = await kind(input).read(ctx, input.ResourceId);
    if (!tags) throw awsError('InvalidResourceId', `The resource ID "${input.ResourceId}" is not valid. Verify the ID and try again.`);
    return tags;
  }

  /** The action on the resource's ARN, with its current tags as `aws:ResourceTag/…` and `ssm:resourceTag/…`. */
  const permissions = (action: string, request?: (input: never) => Permission['conditions']) => async (ctx: CallContext, input: TagInput): Promise<Permission[]> => {
    const resource = byType.get(input.ResourceType);
    if (!resource) return [{ action, resource: '*' }];
    const tags = (await resource.read(ctx, input.ResourceId)) ?? [];
    const conditions: Record<string, string | readonly string[]> = {};
    for (const tag of tags) {
      conditions[`aws:ResourceTag/${tag.Key}`] = tag.Value;
      conditions[`ssm:resourceTag/${tag.Key}`] = tag.Value;
    }
    return [{ action, resource: resource.arn(ctx, input.ResourceId), conditions: { ...conditions, ...request?.(input as never) } }];
  };
  const auditResources = (ctx: CallContext, input: TagInput): AuditResource[] => {
    const resource = byType.get(input.ResourceType);
    return resource ? [{ type: resource.auditType, name: input.ResourceId, arn: resource.arn(ctx, input.ResourceId) }] : [];
  };

  return [
    defineOperation<ssm.AddTagsToResourceRequest, ssm.AddTagsToResourceResult>({
      service: 'ssm',
      name: 'AddTagsToResource',
      readOnly: false,
      permissions: permissions('ssm:AddTagsToResource', (input: ssm.AddTagsToResourceRequest) => ({
        'aws:TagKeys': input.Tags.map((t) => t.Key),
        ...Object.fromEntries(input.Tags.map((t) => [`aws:RequestTag/${t.Key}`, t.Value])),
      })),
      resources: auditResources,
      async handle(ctx, input) {
        const resource = kind(input);
        const tags = new Map((await existing(ctx, input)).map((t) => [t.Key, t.Value]));
        for (const tag of input.Tags) tags.set(tag.Key, tag.Value);
        if (tags.size > resource.maxTags) {
          throw awsError('TooManyTagsError', `The resource ${input.ResourceId} would have ${tags.size} tags; at most ${resource.maxTags} are allowed.`);
        }
        await resource.write(ctx, input.ResourceId, [...tags].map(([Key, Value]) => ({ Key, Value })));
        return {};
      },
    }),
    defineOperation<ssm.ListTagsForResourceRequest, ssm.ListTagsForResourceResult>({
      service: 'ssm',
      name: 'ListTagsForResource',
      readOnly: true,
      permissions: permissions('ssm:ListTagsForResource'),
      resources: auditResources,
      async handle(ctx, input) {
        return { TagList: await existing(ctx, input) };
      },
    }),
    defineOperation<ssm.RemoveTagsFromResourceRequest, ssm.RemoveTagsFromResourceResult>({
      service: 'ssm',
      name: 'RemoveTagsFromResource',
      readOnly: false,
      permissions: permissions('ssm:RemoveTagsFromResource', (input: ssm.RemoveTagsFromResourceRequest) => ({ 'aws:TagKeys': input.TagKeys })),
      resources: auditResources,
      async handle(ctx, input) {
        const resource = kind(input);
        const remove = new Set(input.TagKeys);
        await resource.write(ctx, input.ResourceId, (await existing(ctx, input)).filter((t) => !remove.has(t.Key)));
        return {};
      },
    }),
  ];
}

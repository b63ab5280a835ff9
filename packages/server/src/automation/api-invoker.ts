import crypto from 'node:crypto';
import { awsError, decodeInput, HIDDEN, models, redactSensitive, type Scope } from '@bosun/protocol';
import type { Principal } from '../accounts/principal.ts';
import type { Authorizer } from '../api/authorize.ts';
import { encodeOutput } from '../api/json-output.ts';
import type { CallContext, Operation, Permission } from '../api/operation.ts';

/**
 * Calls one of Bosun's own API operations in-process, as a principal: decode and validate
 * (the generated constraints), authorise (the operation's declared permissions through the
 * server's authorizer, with that principal's policies — never broader), handle. What
 * aws:executeAwsApi and aws:runCommand steps use, with the identity that started the execution.
 *
 * Not audited yet: CloudTrail records the StartAutomationExecution call, not the calls its steps make.
 */
export interface ApiInvoker {
  /** Answers the operation's output as the wire shows it (JSON: dates as epoch seconds); throws AwsError. */
  call(principal: Principal, scope: Scope, now: number, service: string, api: string, input: unknown): Promise<{ output: unknown; readOnly: boolean }>;
  /** Whether the call would change something (false for Get/List/Describe): decides whether it may be made again after a crash. */
  isReadOnly(service: string, api: string): boolean;
  /**
   * Decodes and validates an operation's input and checks that the principal may make that call,
   * without making it: aws:runCommand sends through Run Command itself once this allows it.
   */
  authorizeCall<I>(principal: Principal, scope: Scope, now: number, service: string, api: string, input: unknown): Promise<I>;
}

/** JSON services aws:executeAwsApi can call (Service as AWS names it: ssm, kms, secretsmanager, cloudtrail). */
const SERVICES: Readonly<Record<string, keyof typeof models>> = { ssm: 'ssm', kms: 'kms', secretsmanager: 'secretsmanager', cloudtrail: 'cloudtrail' };

/** `DescribeInstanceInformation`, `describeInstanceInformation` and `describe_instance_information` all name one operation. */
export function operationName(api: string): string {
  const pascal = api.includes('_') ? api.split('_').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('') : api;
  return pascal.charAt(0).toUpperCase() + pascal.slice(1);
}

/**
 * A step's view of an answer: no secret reaches its outputs, and so none the recorded history
 * (HIDDEN_DUE_TO_SECURITY_REASONS, as CloudTrail writes it). Secrets Manager and KMS: every member
 * the model marks sensitive (a secret's value, a plaintext). SSM: the value of every SecureString
 * parameter (the model marks every parameter value sensitive, but a String is for reading).
 */
function withoutSecrets(service: keyof typeof models, model: (typeof models)[keyof typeof models], operation: string, output: unknown): unknown {
  if (service !== 'ssm') return redactSensitive(model, model.operations[operation]?.output, output);
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== 'object') return value;
    const object = value as Record<string, unknown>;
    const secure = object.Type === 'SecureString';
    return Object.fromEntries(Object.entries(object).map(([key, item]) => [key, secure && key === 'Value' ? HIDDEN : walk(item)]));
  };
  return walk(output);
}

export function apiInvoker(deps: { operations: () => readonly Operation[]; authorize: Authorizer }): ApiInvoker {
  const find = (service: string, api: string) => {
    const name = SERVICES[service.toLowerCase()];
    if (!name) throw awsError('ValidationException', `Service ${service} is not one aws:executeAwsApi can call in Bosun (${Object.keys(SERVICES).join(', ')}).`);
    const opName = operationName(api);
    const op = deps.operations().find((o) => o.service === name && o.name === opName);
    if (!op) throw awsError('ValidationException', `${service} has no API ${api} in Bosun.`);
    return { op, model: models[name], name };
  };
  const contextOf = (principal: Principal, scope: Scope, now: number): CallContext => ({
    principal, now, region: scope.region, scope, requestId: crypto.randomUUID(), sourceIp: '127.0.0.1',
  });
  const authorize = async (principal: Principal, ctx: CallContext, permissions: readonly Permission[], service: string) => {
    await deps.authorize(principal, permissions, { sourceIp: ctx.sourceIp, secureTransport: false, now: ctx.now, region: ctx.region, service });
  };
  return {
    isReadOnly(service, api) {
      return find(service, api).op.readOnly;
    },
    async call(principal, scope, now, service, api, input) {
      const { op, model, name } = find(service, api);
      const decoded = decodeInput(model, op.name, input);
      const ctx = contextOf(principal, scope, now);
      await authorize(principal, ctx, await op.permissions(ctx, decoded), model.metadata.signingName);
      const output = await op.handle(ctx, decoded);
      return { output: withoutSecrets(name, model, op.name, JSON.parse(encodeOutput(output)) as unknown), readOnly: op.readOnly };
    },
    async authorizeCall<I>(principal: Principal, scope: Scope, now: number, service: string, api: string, input: unknown): Promise<I> {
      const { op, model } = find(service, api);
      const decoded = decodeInput(model, op.name, input);
      const ctx = contextOf(principal, scope, now);
      await authorize(principal, ctx, await op.permissions(ctx, decoded), model.metadata.signingName);
      return decoded as I;
    },
  };
}

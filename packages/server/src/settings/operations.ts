import { awsError, formatArn, parseArn, type ssm } from '@bosun/protocol';
import type { AuditResource } from '../audit/record.ts';
import { defineOperation, type CallContext, type Operation } from '../api/operation.ts';
import type { Db } from '../store/store.ts';
import { findSetting, invalidSettingValue, serviceSettings, type SettingDefinition } from './definitions.ts';
import { deleteSettingRow, getSettingAndAccount, getSettingRow, putSettingRow } from './settings-store.ts';

export interface SettingsDeps {
  readonly db: Db;
}

/** GetServiceSetting, UpdateServiceSetting and ResetServiceSetting, per account and region (the request's). */
export function settingsOperations(deps: SettingsDeps): Operation[] {
  const { db } = deps;

  async function describe(ctx: CallContext, setting: SettingDefinition): Promise<ssm.ServiceSetting> {
    // One query on the hot path (GetServiceSetting): the row and the account's creation time together.
    const found = await getSettingAndAccount(db, ctx.scope, setting.id);
    const row = found ? found.row : await getSettingRow(db, ctx.scope, setting.id);
    const base = { SettingId: setting.id, ARN: settingArn(ctx, setting.id) };
    if (row) {
      return { ...base, SettingValue: row.setting_value, LastModifiedDate: new Date(row.last_modified_at), LastModifiedUser: row.last_modified_user, Status: 'Customized' };
    }
    // A default is dated from the account's creation (now, for an account that does not exist).
    return { ...base, SettingValue: setting.defaultValue, LastModifiedDate: new Date(found?.accountCreatedAt ?? ctx.now), LastModifiedUser: 'System', Status: 'Default' };
  }

  const resources = (ctx: CallContext, input: { SettingId: string }): AuditResource[] => {
    const id = settingIdOf(input.SettingId);
    return id && findSetting(id) ? [{ type: 'AWS::SSM::ServiceSetting', name: id, arn: settingArn(ctx, id) }] : [];
  };
  const permissions = (action: string) => (ctx: CallContext, input: { SettingId: string }) =>
    [{ action, resource: settingArn(ctx, settingIdOf(input.SettingId) ?? input.SettingId) }];

  return [
    defineOperation<ssm.GetServiceSettingRequest, ssm.GetServiceSettingResult>({
      service: 'ssm',
      name: 'GetServiceSetting',
      readOnly: true,
      permissions: permissions('ssm:GetServiceSetting'),
      resources,
      async handle(ctx, input) {
        return { ServiceSetting: await describe(ctx, resolveSetting(ctx, input.SettingId)) };
      },
    }),
    defineOperation<ssm.UpdateServiceSettingRequest, ssm.UpdateServiceSettingResult>({
      service: 'ssm',
      name: 'UpdateServiceSetting',
      readOnly: false,
      permissions: permissions('ssm:UpdateServiceSetting'),
      resources,
      async handle(ctx, input) {
        const setting = resolveSetting(ctx, input.SettingId);
        const invalid = invalidSettingValue(setting, input.SettingValue);
        if (invalid) throw awsError('ValidationException', invalid);
        await putSettingRow(db, {
          account_id: ctx.principal.accountId,
          region: ctx.region,
          setting_id: setting.id,
          setting_value: input.SettingValue,
          last_modified_at: ctx.now,
          last_modified_user: ctx.principal.arn,
        });
        return {};
      },
    }),
    defineOperation<ssm.ResetServiceSettingRequest, ssm.ResetServiceSettingResult>({
      service: 'ssm',
      name: 'ResetServiceSetting',
      readOnly: false,
      permissions: permissions('ssm:ResetServiceSetting'),
      resources,
      async handle(ctx, input) {
        const setting = resolveSetting(ctx, input.SettingId);
        await deleteSettingRow(db, ctx.scope, setting.id);
        return { ServiceSetting: await describe(ctx, setting) };
      },
    }),
  ];
}

function settingArn(ctx: CallContext, settingId: string): string {
  return formatArn({ service: 'ssm', region: ctx.region, accountId: ctx.principal.accountId, resource: `servicesetting${settingId}` });
}

/** A setting id is given as the id itself or as its ARN (arn:aws:ssm:REGION:ACCOUNT:servicesetting/ssm/...). */
function settingIdOf(text: string): string | undefined {
  if (!text.startsWith('arn:')) return text;
  const arn = parseArn(text);
  return arn && arn.resource.startsWith('servicesetting/') ? arn.resource.slice('servicesetting'.length) : undefined;
}

function resolveSetting(ctx: CallContext, text: string): SettingDefinition {
  const id = settingIdOf(text);
  if (text.startsWith('arn:')) {
    const arn = parseArn(text);
    if (!arn || arn.accountId !== ctx.principal.accountId || arn.region !== ctx.region) throw notFound(text);
  }
  const setting = id ? findSetting(id) : undefined;
  if (!setting) throw notFound(text);
  return setting;
}

function notFound(text: string) {
  return awsError('ServiceSettingNotFound', `The service setting ${text} was not found. Valid setting ids: ${serviceSettings.map((s) => s.id).join(', ')}.`);
}

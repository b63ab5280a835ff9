/**
 * The service settings AWS defines for Systems Manager, with their defaults and the
 * values UpdateServiceSetting accepts (from the SSM API reference of UpdateServiceSetting).
 * Users cannot create settings; they can only change and reset these.
 */
export interface SettingDefinition {
  readonly id: string;
  readonly defaultValue: string;
  /** Accepted values; undefined means free text (a name), checked by `pattern`. */
  readonly values?: readonly string[];
  readonly pattern?: RegExp;
}

export const serviceSettings: readonly SettingDefinition[] = [
  { id: '/ssm/appmanager/appmanager-enabled', defaultValue: 'False', values: ['True', 'False'] },
  { id: '/ssm/automation/customer-script-log-destination', defaultValue: 'None', values: ['CloudWatch', 'None'] },
  { id: '/ssm/automation/customer-script-log-group-name', defaultValue: '/aws/ssm/automation/executeScript', pattern: /^[\w\-/.#]{1,512}$/ },
  { id: '/ssm/automation/enable-adaptive-concurrency', defaultValue: 'False', values: ['True', 'False'] },
  { id: '/ssm/documents/console/public-sharing-permission', defaultValue: 'Enable', values: ['Enable', 'Disable'] },
  { id: '/ssm/managed-instance/activation-tier', defaultValue: 'standard', values: ['standard', 'advanced'] },
  { id: '/ssm/managed-instance/default-ec2-instance-management-role', defaultValue: '', pattern: /^[\w+=,.@\-/]{1,128}$/ },
  { id: '/ssm/opsinsights/opscenter', defaultValue: 'Disabled', values: ['Enabled', 'Disabled'] },
  { id: '/ssm/parameter-store/default-parameter-tier', defaultValue: 'Standard', values: ['Standard', 'Advanced', 'Intelligent-Tiering'] },
  { id: '/ssm/parameter-store/high-throughput-enabled', defaultValue: 'false', values: ['true', 'false'] },
];

const byId = new Map(serviceSettings.map((s) => [s.id, s]));

export function findSetting(id: string): SettingDefinition | undefined {
  return byId.get(id);
}

/** Why `value` is not acceptable for the setting, or undefined when it is. */
export function invalidSettingValue(setting: SettingDefinition, value: string): string | undefined {
  if (setting.values && !setting.values.includes(value)) {
    return `The value '${value}' is not valid for setting ${setting.id}. Valid values: ${setting.values.join(', ')}.`;
  }
  if (setting.pattern && !setting.pattern.test(value)) {
    return `The value '${value}' is not valid for setting ${setting.id}: it must match ${setting.pattern.source}.`;
  }
  return undefined;
}

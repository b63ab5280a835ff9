import crypto from 'node:crypto';
import { awsError, formatArn, type ssm } from '@bosun/protocol';

/**
 * What Bosun knows of each operating system it patches, AWS's predefined baselines, and the
 * checks of a baseline's definition beyond the generated constraints (which the pipeline has
 * applied before a handler runs).
 */

/** The members of a baseline besides its id, name, OS and description, stored as JSON. */
export interface BaselineDefinition {
  GlobalFilters?: ssm.PatchFilterGroup;
  ApprovalRules?: ssm.PatchRuleGroup;
  ApprovedPatches?: string[];
  ApprovedPatchesComplianceLevel?: string;
  ApprovedPatchesEnableNonSecurity?: boolean;
  RejectedPatches?: string[];
  RejectedPatchesAction?: string;
  Sources?: ssm.PatchSource[];
}

type PackageFamily = 'deb' | 'rpm';

interface OsProfile {
  readonly family: PackageFamily;
  /** Filter keys valid in GlobalFilters and approval rules, with the values Bosun knows (undefined: any value). */
  readonly filters: Readonly<Record<string, readonly string[] | undefined>>;
  /** What DescribePatchProperties answers, per property. */
  readonly properties: Readonly<Record<string, readonly string[]>>;
}

const DEB_PRIORITIES = ['Required', 'Important', 'Standard', 'Optional', 'Extra'];
const RPM_CLASSIFICATIONS = ['Security', 'Bugfix', 'Enhancement', 'Recommended', 'Newpackage'];
const RHEL_SEVERITIES = ['Critical', 'Important', 'Moderate', 'Low'];
const AL_SEVERITIES = ['Critical', 'Important', 'Medium', 'Low', 'None'];

const deb = (products: string[]): OsProfile => ({
  family: 'deb',
  filters: { PRODUCT: undefined, SECTION: undefined, PRIORITY: DEB_PRIORITIES },
  properties: { PRODUCT: products, PRIORITY: DEB_PRIORITIES },
});
const rpm = (products: string[], severities: string[]): OsProfile => ({
  family: 'rpm',
  filters: { PRODUCT: undefined, CLASSIFICATION: RPM_CLASSIFICATIONS, SEVERITY: severities },
  properties: { PRODUCT: products, CLASSIFICATION: RPM_CLASSIFICATIONS, SEVERITY: severities },
});

/** The operating systems Bosun patches (apt for deb, dnf for rpm). The others of AWS's enum are refused. */
export const OS_PROFILES: Readonly<Record<string, OsProfile>> = {
  DEBIAN: deb(['Debian11', 'Debian12']),
  UBUNTU: deb(['Ubuntu20.04', 'Ubuntu22.04', 'Ubuntu24.04']),
  REDHAT_ENTERPRISE_LINUX: rpm(['RedhatEnterpriseLinux8', 'RedhatEnterpriseLinux9'], RHEL_SEVERITIES),
  AMAZON_LINUX_2023: rpm(['AmazonLinux2023'], AL_SEVERITIES),
  ROCKY_LINUX: rpm(['RockyLinux8', 'RockyLinux9'], RHEL_SEVERITIES),
};

export const SUPPORTED_OPERATING_SYSTEMS = Object.keys(OS_PROFILES);

/** AWS's default when a request names no OperatingSystem. */
export const DEFAULT_OPERATING_SYSTEM = 'WINDOWS';

export function profileOf(operatingSystem: string, code: 'ValidationException' | 'UnsupportedOperatingSystem' = 'ValidationException'): OsProfile {
  const profile = OS_PROFILES[operatingSystem];
  if (!profile) {
    throw awsError(code, `Operating system ${operatingSystem} is not supported by Bosun's Patch Manager. Supported: ${SUPPORTED_OPERATING_SYSTEMS.join(', ')}${operatingSystem === DEFAULT_OPERATING_SYSTEM ? ' (WINDOWS is what AWS assumes when OperatingSystem is omitted).' : '.'}`);
  }
  return profile;
}

// ---------------------------------------------------------------------------------------------
// Predefined baselines

export interface PredefinedBaseline {
  readonly name: string;
  readonly operatingSystem: string;
  readonly description: string;
  readonly definition: BaselineDefinition;
}

const rule = (filters: ssm.PatchFilter[], approveAfterDays?: number): ssm.PatchRule => ({
  PatchFilterGroup: { PatchFilters: filters }, ComplianceLevel: 'UNSPECIFIED', ...(approveAfterDays === undefined ? {} : { ApproveAfterDays: approveAfterDays }), EnableNonSecurity: false,
});
const common = { ApprovedPatches: [], ApprovedPatchesComplianceLevel: 'UNSPECIFIED', ApprovedPatchesEnableNonSecurity: false, RejectedPatches: [], RejectedPatchesAction: 'ALLOW_AS_DEPENDENCY' };
/** AWS's rule for the RPM systems: security patches of severity Critical or Important, and bug fixes, seven days after release. */
const rpmRules = (): BaselineDefinition => ({
  ...common,
  ApprovalRules: { PatchRules: [
    rule([{ Key: 'CLASSIFICATION', Values: ['Security'] }, { Key: 'SEVERITY', Values: ['Critical', 'Important'] }], 7),
    rule([{ Key: 'CLASSIFICATION', Values: ['Bugfix'] }], 7),
  ] },
});
/** AWS's rule for Debian and Ubuntu: every priority, approved at once (the repositories give no reliable release dates). */
const debRules = (): BaselineDefinition => ({
  ...common,
  ApprovalRules: { PatchRules: [rule([{ Key: 'PRIORITY', Values: [...DEB_PRIORITIES] }])] },
});

export const PREDEFINED_BASELINES: readonly PredefinedBaseline[] = [
  { name: 'AWS-DebianDefaultPatchBaseline', operatingSystem: 'DEBIAN', description: 'Default Patch Baseline for Debian Provided by AWS.', definition: debRules() },
  { name: 'AWS-UbuntuDefaultPatchBaseline', operatingSystem: 'UBUNTU', description: 'Default Patch Baseline for Ubuntu Provided by AWS.', definition: debRules() },
  { name: 'AWS-RedHatDefaultPatchBaseline', operatingSystem: 'REDHAT_ENTERPRISE_LINUX', description: 'Default Patch Baseline for Redhat Enterprise Linux Provided by AWS.', definition: rpmRules() },
  { name: 'AWS-AmazonLinux2023DefaultPatchBaseline', operatingSystem: 'AMAZON_LINUX_2023', description: 'Default Patch Baseline for Amazon Linux 2023 Provided by AWS.', definition: rpmRules() },
  { name: 'AWS-RockyLinuxDefaultPatchBaseline', operatingSystem: 'ROCKY_LINUX', description: 'Default Patch Baseline for Rocky Linux Provided by AWS.', definition: rpmRules() },
];

/**
 * The id of a predefined baseline in a region: an ARN with no account (as Bosun names AWS's
 * documents), ending in a pb- id derived from the name, so it is the same in every account and
 * stable across restarts. AWS's own ids differ per region and are not documented.
 */
export function predefinedBaselineId(region: string, name: string): string {
  return formatArn({ service: 'ssm', region, accountId: '', resource: `patchbaseline/pb-${crypto.createHash('sha256').update(name).digest('hex').slice(0, 17)}` });
}

export function predefinedById(region: string, baselineId: string): PredefinedBaseline | undefined {
  return PREDEFINED_BASELINES.find((b) => predefinedBaselineId(region, b.name) === baselineId);
}

export function predefinedFor(operatingSystem: string): PredefinedBaseline | undefined {
  return PREDEFINED_BASELINES.find((b) => b.operatingSystem === operatingSystem);
}

export function newBaselineId(): string {
  return `pb-${crypto.randomBytes(9).toString('hex').slice(0, 17)}`;
}

/** A custom baseline's id as a request may give it: pb-…, or its ARN in the caller's account and region. */
export function customBaselineIdOf(baselineId: string, scope: { accountId: string; region: string }): string | undefined {
  if (/^pb-[0-9a-f]{17}$/.test(baselineId)) return baselineId;
  const m = /^arn:aws:ssm:([^:]+):(\d{12}):patchbaseline\/(pb-[0-9a-f]{17})$/.exec(baselineId);
  if (m && m[1] === scope.region && m[2] === scope.accountId) return m[3];
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Checks

const DEB_PATCH = /^[a-z0-9*][a-z0-9+.:~=*-]*$/;
const RPM_PATCH = /^[A-Za-z0-9_*][A-Za-z0-9_+.:~^*-]*$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function checkFilters(os: string, profile: OsProfile, where: string, group: ssm.PatchFilterGroup | undefined): void {
  const seen = new Set<string>();
  for (const filter of group?.PatchFilters ?? []) {
    if (!(filter.Key in profile.filters)) {
      throw awsError('ValidationException', `${where}: filter key ${filter.Key} is not valid for operating system ${os}. Valid keys: ${Object.keys(profile.filters).join(', ')}.`);
    }
    if (seen.has(filter.Key)) throw awsError('ValidationException', `${where}: filter key ${filter.Key} is given more than once.`);
    seen.add(filter.Key);
    const known = profile.filters[filter.Key];
    for (const value of filter.Values) {
      if (known && value !== '*' && !known.includes(value)) {
        throw awsError('ValidationException', `${where}: value ${value} is not valid for filter key ${filter.Key} on ${os}. Valid values: ${known.join(', ')}, *.`);
      }
    }
  }
}

function checkRule(os: string, profile: OsProfile, index: number, patchRule: ssm.PatchRule): void {
  const where = `ApprovalRules.PatchRules[${index}]`;
  checkFilters(os, profile, where, patchRule.PatchFilterGroup);
  if ((patchRule.PatchFilterGroup.PatchFilters ?? []).length === 0) throw awsError('ValidationException', `${where}: a rule needs at least one patch filter.`);
  const after = patchRule.ApproveAfterDays;
  const until = patchRule.ApproveUntilDate;
  if (after !== undefined && until !== undefined) {
    throw awsError('ValidationException', `${where}: ApproveAfterDays and ApproveUntilDate are mutually exclusive; give one of them.`);
  }
  if (profile.family === 'deb') {
    // AWS: not supported for Debian Server or Ubuntu Server, whose repositories carry no reliable release dates.
    if (until !== undefined || (after !== undefined && after !== 0)) {
      throw awsError('ValidationException', `${where}: ApproveAfterDays and ApproveUntilDate are not supported for ${os}: its patches are approved when a rule matches.`);
    }
    return;
  }
  if (after === undefined && until === undefined) throw awsError('ValidationException', `${where}: give ApproveAfterDays or ApproveUntilDate.`);
  if (until !== undefined) {
    const m = DATE.exec(until);
    const date = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
    if (!m || !date || date.getUTCFullYear() !== Number(m[1]) || date.getUTCMonth() !== Number(m[2]) - 1 || date.getUTCDate() !== Number(m[3])) {
      throw awsError('ValidationException', `${where}: ApproveUntilDate ${until} is not a date of the form YYYY-MM-DD.`);
    }
  }
}

function checkPatchList(os: string, profile: OsProfile, member: string, patches: readonly string[] | undefined): void {
  const pattern = profile.family === 'deb' ? DEB_PATCH : RPM_PATCH;
  for (const patch of patches ?? []) {
    if (!pattern.test(patch)) {
      const hint = profile.family === 'deb' ? 'a Debian package name (lower case letters, digits, + - . : ~ = and * wildcards)' : 'a package name (name, name.arch, name-version-release, epoch:…), a CVE, Bugzilla or advisory id';
      throw awsError('ValidationException', `${member}: ${JSON.stringify(patch)} is not a valid patch for ${os}: give ${hint}.`);
    }
  }
  if (new Set(patches ?? []).size !== (patches ?? []).length) throw awsError('ValidationException', `${member} names a patch more than once.`);
}

/** A baseline's definition for `os`: AWS's ValidationException with what is wrong, before anything is written. */
export function checkBaselineDefinition(os: string, definition: BaselineDefinition & { AvailableSecurityUpdatesComplianceStatus?: string }): void {
  const profile = profileOf(os);
  checkFilters(os, profile, 'GlobalFilters', definition.GlobalFilters);
  (definition.ApprovalRules?.PatchRules ?? []).forEach((r, i) => checkRule(os, profile, i, r));
  checkPatchList(os, profile, 'ApprovedPatches', definition.ApprovedPatches);
  checkPatchList(os, profile, 'RejectedPatches', definition.RejectedPatches);
  const approved = new Set(definition.ApprovedPatches ?? []);
  const both = (definition.RejectedPatches ?? []).find((p) => approved.has(p));
  if (both !== undefined) throw awsError('ValidationException', `Patch ${both} is both approved and rejected.`);
  const names = new Set<string>();
  for (const source of definition.Sources ?? []) {
    if (names.has(source.Name)) throw awsError('ValidationException', `Sources: the source name ${source.Name} is given more than once.`);
    names.add(source.Name);
  }
  if (definition.AvailableSecurityUpdatesComplianceStatus !== undefined) {
    throw awsError('ValidationException', `AvailableSecurityUpdatesComplianceStatus is supported for Windows Server only, not ${os}.`);
  }
}

/** The definition members of a request, the absent ones left out. */
export function definitionOf(input: BaselineDefinition): BaselineDefinition {
  const out: BaselineDefinition = {};
  for (const key of ['GlobalFilters', 'ApprovalRules', 'ApprovedPatches', 'ApprovedPatchesComplianceLevel', 'ApprovedPatchesEnableNonSecurity', 'RejectedPatches', 'RejectedPatchesAction', 'Sources'] as const) {
    if (input[key] !== undefined) (out as Record<string, unknown>)[key] = input[key];
  }
  return out;
}

/** The definition as GetPatchBaseline answers it: AWS's defaults filled in. */
export function withDefaults(definition: BaselineDefinition): Required<Omit<BaselineDefinition, 'GlobalFilters' | 'Sources'>> & Pick<BaselineDefinition, 'GlobalFilters'> & { Sources: ssm.PatchSource[] } {
  return {
    GlobalFilters: definition.GlobalFilters ?? { PatchFilters: [] },
    ApprovalRules: definition.ApprovalRules ?? { PatchRules: [] },
    ApprovedPatches: definition.ApprovedPatches ?? [],
    ApprovedPatchesComplianceLevel: definition.ApprovedPatchesComplianceLevel ?? 'UNSPECIFIED',
    ApprovedPatchesEnableNonSecurity: definition.ApprovedPatchesEnableNonSecurity ?? false,
    RejectedPatches: definition.RejectedPatches ?? [],
    RejectedPatchesAction: definition.RejectedPatchesAction ?? 'ALLOW_AS_DEPENDENCY',
    Sources: definition.Sources ?? [],
  };
}

/**
 * Step preconditions (schema 2.2) and the platforms each plugin runs on.
 *
 * A precondition is `{"StringEquals": ["platformType", "Linux" | "Windows" | "MacOS"]}`. A step
 * whose precondition does not hold, or whose plugin does not run on the node's platform, is
 * skipped with the output AWS's agent reports for it.
 */
import type { DocumentStep, ParsedDocument, PlatformType } from './types.ts';

export const PLATFORM_TYPES: readonly PlatformType[] = ['Windows', 'Linux', 'MacOS'];

/** Platforms of the plugins Bosun knows; a plugin not listed is left to the agent to accept or refuse. */
const pluginPlatforms: Readonly<Record<string, readonly PlatformType[]>> = {
  'aws:runShellScript': ['Linux', 'MacOS'],
  'aws:runPowerShellScript': ['Windows', 'Linux', 'MacOS'],
};

/** The problem with a precondition as written, or undefined when it is one Bosun evaluates. */
export function preconditionProblem(precondition: unknown): string | undefined {
  if (precondition === null || typeof precondition !== 'object' || Array.isArray(precondition)) {
    return 'precondition must be an object such as {"StringEquals": ["platformType", "Linux"]}.';
  }
  const entries = Object.entries(precondition);
  if (entries.length !== 1 || entries[0][0] !== 'StringEquals') {
    return 'precondition supports only the StringEquals operator.';
  }
  const operands = entries[0][1];
  if (!Array.isArray(operands) || operands.length !== 2 || operands[0] !== 'platformType') {
    return 'precondition StringEquals takes two operands: "platformType" and a platform.';
  }
  if (!PLATFORM_TYPES.includes(operands[1] as PlatformType)) {
    return `precondition platform must be one of ${PLATFORM_TYPES.join(', ')}, not ${JSON.stringify(operands[1])}.`;
  }
  return undefined;
}

function preconditionPlatform(step: DocumentStep): PlatformType | undefined {
  const precondition = step.precondition as { StringEquals?: [string, PlatformType] } | undefined;
  return precondition?.StringEquals?.[1];
}

/** Why a step does not run on a platform (the output it reports), or undefined when it runs. */
export function skipReason(step: DocumentStep, platformType: PlatformType): string | undefined {
  const required = preconditionPlatform(step);
  if (required !== undefined) {
    if (required === platformType) return undefined;
    return `Step execution skipped due to unsatisfied preconditions: '"StringEquals": [platformType, ${required}]'. Step name: ${step.name}`;
  }
  const platforms = pluginPlatforms[step.action];
  if (platforms && !platforms.includes(platformType)) {
    return `Step execution skipped due to incompatible platform. Step name: ${step.name}`;
  }
  return undefined;
}

/**
 * The platforms a document runs on (DescribeDocument's PlatformTypes): each step contributes its
 * precondition's platform, or its plugin's platforms; Automation runbooks and unknown plugins
 * count as every platform.
 */
export function documentPlatformTypes(doc: ParsedDocument, documentType: string): PlatformType[] {
  if (documentType !== 'Command' || doc.steps.length === 0) return [...PLATFORM_TYPES];
  const found = new Set<PlatformType>();
  for (const step of doc.steps) {
    const required = preconditionPlatform(step);
    for (const platform of required ? [required] : (pluginPlatforms[step.action] ?? PLATFORM_TYPES)) found.add(platform);
  }
  return PLATFORM_TYPES.filter((platform) => found.has(platform));
}

/** Tiny flag parser for benchmarks: `--name value` or `--name=value`, and boolean `--name`. */
export interface FlagSpec {
  readonly [name: string]: { readonly kind: 'string' | 'boolean'; readonly help: string };
}

export class BenchUsageError extends Error {}

export function parseFlags(argv: readonly string[], spec: FlagSpec, usage: string): Map<string, string | true> {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(helpText(spec, usage));
      process.exit(0);
    }
    const match = /^--([\w-]+)(?:=(.*))?$/.exec(arg);
    const def = match ? spec[match[1]] : undefined;
    if (!match || !def) throw new BenchUsageError(`unknown argument '${arg}'\n${helpText(spec, usage)}`);
    if (def.kind === 'boolean') {
      flags.set(match[1], true);
      continue;
    }
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new BenchUsageError(`--${match[1]} needs a value`);
    flags.set(match[1], value);
  }
  return flags;
}

function helpText(spec: FlagSpec, usage: string): string {
  const lines = Object.entries(spec).map(([name, def]) => `  --${name}${def.kind === 'string' ? ' <value>' : ''}`.padEnd(28) + def.help);
  return `${usage}\n${lines.join('\n')}\n`;
}

export function positiveNumber(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new BenchUsageError(`--${name} must be a positive number (got '${text}')`);
  return n;
}

export function list(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

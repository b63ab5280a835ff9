/**
 * Benchmarks: `npm run bench -- <name> [flags]`, i.e. `tsx bench/run.ts <name> [flags]`.
 * Each benchmark is a module bench/<name>.ts exporting `run(argv)`; list it here to add one.
 */
// The AWS SDK warns about Node 20 on every client; the benchmarks' output is for figures.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const benchmarks: Record<string, () => Promise<{ run(argv: string[]): Promise<void> }>> = {
  api: () => import('./api.ts'),
  params: () => import('./params.ts'),
  authz: () => import('./authz.ts'),
  nodes: () => import('./nodes.ts'),
  fanout: () => import('./fanout.ts'),
  associations: () => import('./associations.ts'),
  windows: () => import('./windows.ts'),
  inventory: () => import('./inventory.ts'),
  automation: () => import('./automation.ts'),
  patch: () => import('./patch.ts'),
};

const [name, ...rest] = process.argv.slice(2);
const names = Object.keys(benchmarks).sort();
if (!name || name === '--help' || name === '-h' || !Object.hasOwn(benchmarks, name)) {
  const said = name && !name.startsWith('-') ? `bench: unknown benchmark '${name}'.\n` : '';
  process.stderr.write(`${said}usage: npm run bench -- <name> [flags]   (tsx bench/run.ts <name> [flags])\nbenchmarks: ${names.join(', ')}\n`);
  process.exit(name && name !== '--help' && name !== '-h' ? 2 : 0);
}
const bench = await benchmarks[name]();
try {
  await bench.run(rest);
} catch (error) {
  process.stderr.write(`bench ${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}

// `npm run bench -- <name> [args]`: runs bench/<name>.ts's `run(argv)`.
const [name, ...args] = process.argv.slice(2);
if (!name || !/^[a-z0-9-]+$/.test(name)) {
  process.stderr.write('usage: npm run bench -- <name> [args] (e.g. nodes)\n');
  process.exit(2);
}
const bench = (await import(`./${name}.ts`)) as { run(argv: string[]): Promise<void> };
await bench.run(args);
process.exit(0);

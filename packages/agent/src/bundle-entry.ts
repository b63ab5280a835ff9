// Entry point of the one-file agent (esbuild bundle): `node bosun-agent.cjs run --state-dir DIR`.
// The file it runs from is what aws:updateSsmAgent replaces (self-update.ts).
import path from 'node:path';
import { runAgentCli } from './main.ts';

void runAgentCli(process.argv.slice(2), process.env, { bundleFile: path.resolve(process.argv[1]) }).then((code) => process.exit(code));

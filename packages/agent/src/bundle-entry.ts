// Entry point of the one-file agent (esbuild bundle): `node bosun-agent.cjs run --state-dir DIR`.
import { runAgentCli } from './main.ts';

void runAgentCli(process.argv.slice(2)).then((code) => process.exit(code));

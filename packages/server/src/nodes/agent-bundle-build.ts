// `npm run build:agent [-- --version 0.2.0 --out FILE]`: writes packages/agent/dist/bosun-agent.cjs
// (or FILE) and prints its SHA-256. --version sets the AgentVersion the bundle reports (default:
// packages/agent's version), e.g. to try an update: put the file in <data-dir>/agent-bundles/VERSION/.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AGENT_BUNDLE, buildAgentBundle } from './agent-bundle.ts';

const { values } = parseArgs({ options: { version: { type: 'string' }, out: { type: 'string' } } });
const bundle = await buildAgentBundle(values.out ? path.resolve(values.out) : AGENT_BUNDLE, { version: values.version });
process.stdout.write(`${bundle.file}\n${bundle.bytes} bytes, sha256 ${bundle.sha256}\n`);

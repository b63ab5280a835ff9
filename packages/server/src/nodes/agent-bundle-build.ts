// `npm run build:agent`: writes packages/agent/dist/bosun-agent.cjs and prints its SHA-256.
import { buildAgentBundle } from './agent-bundle.ts';

const bundle = await buildAgentBundle();
process.stdout.write(`${bundle.file}\n${bundle.bytes} bytes, sha256 ${bundle.sha256}\n`);

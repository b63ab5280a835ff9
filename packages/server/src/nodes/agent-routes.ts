import fs from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from '../logger.ts';
import { ensureAgentBundle, type AgentBundle } from './agent-bundle.ts';
import { installScript, systemdUnit } from './install-script.ts';

/** Serves the agent bundle with its SHA-256, the install script and the systemd unit. */
export function agentRoutes(options: { logger: Logger }) {
  let bundle: Promise<AgentBundle | undefined> | undefined;
  const current = () => (bundle ??= ensureAgentBundle().catch((error: unknown) => {
    options.logger.error({ err: error }, 'the agent bundle could not be built');
    bundle = undefined;
    return undefined;
  }));
  const endpointOf = (req: FastifyRequest) => `${req.protocol}://${req.headers.host ?? req.hostname}`;
  const missing = { message: 'The agent bundle is not available on this server: run npm run build:agent in the Bosun checkout.' };

  return async function plugin(app: FastifyInstance): Promise<void> {
    // Built at start (in the background) so that the first download does not wait for it.
    void current();
    app.get('/bosun/v1/agent/bosun-agent.cjs', async (_req, reply) => {
      const b = await current();
      if (!b) return reply.code(404).send(missing);
      return reply.header('content-type', 'application/javascript').header('x-bosun-sha256', b.sha256).send(fs.readFileSync(b.file));
    });
    app.get('/bosun/v1/agent/bosun-agent.cjs.sha256', async (_req, reply) => {
      const b = await current();
      if (!b) return reply.code(404).send(missing);
      return reply.header('content-type', 'text/plain').send(`${b.sha256}  bosun-agent.cjs\n`);
    });
    app.get('/bosun/v1/agent/install.sh', async (req, reply) => {
      const b = await current();
      if (!b) return reply.code(404).send(missing);
      return reply.header('content-type', 'text/x-shellscript').send(installScript({ endpoint: endpointOf(req), sha256: b.sha256 }));
    });
    app.get('/bosun/v1/agent/bosun-agent.service', async (_req, reply) => reply.header('content-type', 'text/plain').send(systemdUnit()));
  };
}

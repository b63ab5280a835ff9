import fs from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AGENT_VERSION_PATTERN, AGENT_VERSIONS_PATH, isAwsError, type AgentVersionsResponse } from '@bosun/protocol';
import type { Principal } from '../accounts/principal.ts';
import type { SignedRequest, VerifiedRequest } from '../api/sigv4.ts';
import type { Logger } from '../logger.ts';
import { currentAgentVersion, ensureAgentBundle, type AgentBundle } from './agent-bundle.ts';
import { AgentBundles } from './agent-bundles.ts';
import { installScript, systemdUnit } from './install-script.ts';

export interface AgentRoutesOptions {
  readonly logger: Logger;
  readonly verify: (req: SignedRequest) => Promise<VerifiedRequest<Principal>>;
  /** Where other versions of the agent are kept: `<dir>/<version>/bosun-agent.cjs`. */
  readonly bundlesDir?: string;
}

/**
 * Serves the agent bundle with its SHA-256, the install script and the systemd unit (public:
 * a node downloads them before it has credentials), and the versions offered to
 * aws:updateSsmAgent (SigV4-signed, by a node's credentials or any other principal's).
 */
export function agentRoutes(options: AgentRoutesOptions) {
  let bundle: Promise<AgentBundle | undefined> | undefined;
  const current = () => (bundle ??= ensureAgentBundle().catch((error: unknown) => {
    options.logger.error({ err: error }, 'the agent bundle could not be built');
    bundle = undefined;
    return undefined;
  }));
  const bundles = new AgentBundles({
    dir: options.bundlesDir,
    current: async () => {
      const b = await current();
      return b && { ...b, version: currentAgentVersion() };
    },
  });
  const endpointOf = (req: FastifyRequest) => `${req.protocol}://${req.headers.host ?? req.hostname}`;
  const missing = { message: 'The agent bundle is not available on this server: run npm run build:agent in the Bosun checkout.' };

  /** SigV4 of the request; answers 403 itself and returns false when it does not verify. */
  const signed = async (req: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
    try {
      const [path, query = ''] = (req.raw.url ?? '/').split('?');
      await options.verify({ method: 'GET', path, query, headers: req.headers, body: Buffer.alloc(0) });
      return true;
    } catch (error) {
      if (!isAwsError(error)) throw error;
      await reply.code(403).header('content-type', 'application/json').send(JSON.stringify({ __type: error.code, message: error.message }));
      return false;
    }
  };

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

    app.get(AGENT_VERSIONS_PATH, async (req, reply) => {
      if (!(await signed(req, reply))) return reply;
      const { current: version, latest, versions } = await bundles.list();
      const offered: AgentVersionsResponse = { current: version, latest, versions };
      return reply.header('content-type', 'application/json').header('cache-control', 'no-store').send(JSON.stringify(offered));
    });
    app.get<{ Params: { version: string } }>(`${AGENT_VERSIONS_PATH}/:version/bosun-agent.cjs`, async (req, reply) => {
      if (!(await signed(req, reply))) return reply;
      const { version } = req.params;
      const offered = AGENT_VERSION_PATTERN.test(version) ? await bundles.list() : undefined;
      const info = offered?.versions.find((v) => v.version === version);
      const file = offered?.files.get(version);
      if (!info || !file) return reply.code(404).header('content-type', 'application/json').send(JSON.stringify({ __type: 'NotFound', message: `No agent bundle of version ${version} on this server.` }));
      return reply.header('content-type', 'application/javascript').header('x-bosun-sha256', info.sha256).send(fs.readFileSync(file));
    });
  };
}

import path from 'node:path';
import { parseArgs } from 'node:util';
import { registrationTagsProblem } from '@bosun/protocol/channel';
import { Agent, RefusedError, register } from './agent.ts';
import { agentClock } from './clock.ts';
import { Outbox } from './outbox.ts';
import { AgentState } from './state.ts';

const USAGE = `usage: bosun agent [run] --state-dir DIR [--endpoint URL --code CODE --id ID [--tags K=V,...]]
       bosun agent register --state-dir DIR --endpoint URL --code CODE --id ID [--tags K=V,...]
       bosun agent report --state-dir DIR --event NAME [--detail TEXT]

First start with --endpoint, --code and --id registers the node (an activation from
aws ssm create-activation), with --tags added to the activation's tags; later starts
reuse the identity kept in the state directory (--tags then changes nothing: use
aws ssm add-tags-to-resource).`;

export interface AgentCliOptions {
  /** The bundle file the agent runs from (bosun-agent.cjs): what aws:updateSsmAgent replaces. */
  readonly bundleFile?: string;
}

/** `K=V,K2=V2` → AWS Tags; a value may hold '=' but not ','. */
export function parseTagsFlag(text: string): { Key: string; Value: string }[] {
  const tags = text.split(',').filter((part) => part.trim() !== '').map((part) => {
    const at = part.indexOf('=');
    if (at <= 0) throw new Error(`--tags takes K=V pairs separated by commas, not ${JSON.stringify(part)}`);
    return { Key: part.slice(0, at).trim(), Value: part.slice(at + 1).trim() };
  });
  const problem = registrationTagsProblem(tags);
  if (problem) throw new Error(`--tags: ${problem}`);
  return tags;
}

/** The agent's command line; returns the exit code (4: the node is not registered any more). */
export async function runAgentCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, cli: AgentCliOptions = {}): Promise<number> {
  const [first] = argv;
  const command = first && !first.startsWith('-') ? first : 'run';
  const rest = first && !first.startsWith('-') ? argv.slice(1) : argv;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...rest],
      options: {
        'state-dir': { type: 'string' }, endpoint: { type: 'string' }, code: { type: 'string' }, id: { type: 'string' },
        event: { type: 'string' }, detail: { type: 'string' }, tags: { type: 'string' }, help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    process.stderr.write(`bosun agent: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // Made absolute here, where it enters: scripts run in directories under it with their own cwd.
  const stateDir = path.resolve((values['state-dir'] as string | undefined) ?? env.BOSUN_AGENT_STATE_DIR ?? '/var/lib/bosun-agent');
  const state = new AgentState(stateDir);

  if (command === 'report') {
    if (!values.event) return usage('--event is required');
    new Outbox(state.outboxDir).add('node-event', { event: values.event as string, ...(values.detail ? { detail: values.detail as string } : {}) });
    return 0;
  }
  if (command !== 'run' && command !== 'register') return usage(`unknown command ${command}`);

  let tags: { Key: string; Value: string }[] | undefined;
  try {
    tags = values.tags === undefined ? undefined : parseTagsFlag(values.tags as string);
  } catch (error) {
    return usage((error as Error).message);
  }
  if (!state.readIdentity()) {
    const { endpoint, code, id } = values as Record<string, string | undefined>;
    if (!endpoint || !code || !id) return usage(`${stateDir} holds no identity yet: the first start needs --endpoint, --code and --id`);
    try {
      const identity = await register({ stateDir, endpoint, activationCode: code, activationId: id, tags });
      process.stdout.write(`registered as ${identity.instanceId} (account ${identity.accountId}, region ${identity.region})\n`);
    } catch (error) {
      const message = error instanceof RefusedError ? `${error.refusal.__type}: ${error.refusal.message}` : (error as Error).message;
      process.stderr.write(`bosun agent: registration failed: ${message}\n`);
      return 1;
    }
  }
  if (command === 'register') return 0;

  const agent = new Agent({
    stateDir,
    now: agentClock(env),
    heartbeatMs: env.BOSUN_AGENT_HEARTBEAT_MS ? Number(env.BOSUN_AGENT_HEARTBEAT_MS) : undefined,
    backoffBaseMs: env.BOSUN_AGENT_BACKOFF_BASE_MS ? Number(env.BOSUN_AGENT_BACKOFF_BASE_MS) : undefined,
    bundleFile: cli.bundleFile,
    args: argv,
    updateOnlineTimeoutMs: env.BOSUN_AGENT_UPDATE_TIMEOUT_SECONDS ? Number(env.BOSUN_AGENT_UPDATE_TIMEOUT_SECONDS) * 1000 : undefined,
  });
  // `on`, not `once`: systemd signals the whole unit, and after an update this process passes
  // the signal on too; a second SIGTERM must not kill the new agent before it has stopped.
  const onSignal = () => agent.stop(0);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return agent.start();
}

function usage(message: string): number {
  process.stderr.write(`bosun agent: ${message}\n${USAGE}\n`);
  return 2;
}

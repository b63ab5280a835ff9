export { Agent, register, NodeGoneError, RefusedError, type AgentOptions } from './agent.ts';
export { runAgentCli } from './main.ts';
export { Backoff, MAX_BACKOFF_MS } from './backoff.ts';
export { Outbox } from './outbox.ts';
export { AgentState, type Identity } from './state.ts';
export { AGENT_VERSION, platformInfo } from './platform.ts';
export { agentClock } from './clock.ts';

/**
 * The agent's clock. BOSUN_AGENT_CLOCK_OFFSET_MS shifts it (for tests of clock-skew
 * handling with a real agent process, where libfaketime is not at hand); never set it in
 * production. Read once at start.
 */
export function agentClock(env: NodeJS.ProcessEnv = process.env): () => number {
  const offset = Number(env.BOSUN_AGENT_CLOCK_OFFSET_MS ?? 0);
  const shift = Number.isFinite(offset) ? offset : 0;
  return () => Date.now() + shift;
}

import cliProgress from 'cli-progress';

export interface Progress {
  /** `detail` is shown after the counts (e.g. "3 running, 1 failed"). */
  update(done: number, total: number, detail?: string): void;
  stop(): void;
}

/** A progress bar on a terminal; silent when output is piped, so scripts read clean text. */
export function progressBar(label: string): Progress {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar({ format: `${label} [{bar}] {percentage}% | {value}/{total}{detail}`, stream: process.stderr, clearOnComplete: true }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update(done, total, detail) {
      const payload = { detail: detail ? ` | ${detail}` : '' };
      if (!started) {
        bar.start(total, done, payload);
        started = true;
      } else {
        if (bar.getTotal() !== total) bar.setTotal(total);
        bar.update(done, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

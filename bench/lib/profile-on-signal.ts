import fs from 'node:fs';
import { Session } from 'node:inspector/promises';

/**
 * For a benchmark's server process: the first SIGUSR2 starts profiling the main thread, the
 * next writes the profile to `file`, so that the load generator profiles only its measured
 * window. Prints `profiling` / `profiled` on stdout for the parent to wait on.
 */
export function profileOnSignal(file: string, options: { samplingIntervalUs?: number } = {}): void {
  const session = new Session();
  session.connect();
  let profiling = false;
  process.on('SIGUSR2', () => {
    void (async () => {
      if (!profiling) {
        profiling = true;
        if (options.samplingIntervalUs !== undefined) await session.post('Profiler.setSamplingInterval', { interval: options.samplingIntervalUs });
        await session.post('Profiler.enable');
        await session.post('Profiler.start');
        process.stdout.write('profiling\n');
        return;
      }
      profiling = false;
      const { profile } = await session.post('Profiler.stop');
      fs.writeFileSync(file, JSON.stringify(profile));
      process.stdout.write('profiled\n');
    })();
  });
}

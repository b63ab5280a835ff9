import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = Pick<PinoLogger, 'info' | 'warn' | 'error' | 'debug' | 'child'>;

export interface LoggerOptions {
  /** 'json' (one JSON object a line, for `bosun server`) or 'pretty' (short lines for people). */
  readonly format?: 'json' | 'pretty';
  readonly level?: string;
  readonly destination?: NodeJS.WritableStream;
}

/**
 * Server log. Request bodies, headers and credentials are never logged: the audit trail
 * records calls (with secrets redacted); the log records what the operator must act on.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? process.stderr;
  if (options.format === 'pretty') {
    return pino({ level: options.level ?? 'info', base: undefined, timestamp: false }, {
      write(line: string) {
        const entry = JSON.parse(line) as { level: number; msg: string; err?: { message?: string } };
        const level = entry.level >= 50 ? 'error' : entry.level >= 40 ? 'warn' : 'info';
        destination.write(`${level === 'info' ? '' : level + ': '}${entry.msg}${entry.err?.message ? ` (${entry.err.message})` : ''}\n`);
      },
    });
  }
  return pino({ level: options.level ?? 'info' }, destination as unknown as pino.DestinationStream);
}

import pg from 'pg';
import { PostgresDialect } from 'kysely';
import type { StoreDialect } from './dialect.ts';

// int8 (bigint columns, count(*)) arrives as a string by default; every bigint we
// store is an epoch-ms time or a sequence number, both safe as JS numbers.
pg.types.setTypeParser(20, Number);

export interface PostgresOptions {
  readonly url: string;
  /** Pool size; default 10. */
  readonly poolSize?: number;
}

export function postgresDialect(options: PostgresOptions): StoreDialect {
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
  return {
    name: 'postgres',
    kysely: new PostgresDialect({ pool }),
    rowLocks: true,
    location: redactUrl(options.url),
  };
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

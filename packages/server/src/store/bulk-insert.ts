import { PostgresAdapter, sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './schema.ts';

export type BulkValue = string | number | null;

type ColumnOf<T extends keyof Database> = keyof Database[T] & string;

export interface BulkInsert<T extends keyof Database & string> {
  readonly table: T;
  /** Every column the rows carry, with the SQL type PostgreSQL casts it to. */
  readonly columns: readonly { readonly name: ColumnOf<T>; readonly type: 'text' | 'bigint' | 'integer' }[];
  readonly rows: readonly { readonly [K in ColumnOf<T>]?: BulkValue }[];
  /** An existing row with this key takes the new row's values of `update`. */
  readonly onConflict?: { readonly key: readonly ColumnOf<T>[]; readonly update: readonly ColumnOf<T>[] };
}

/**
 * Inserts thousands of rows in one statement: a column with the same value in every row (the
 * command's id, the account, 'Pending') is one parameter, and the columns that vary travel
 * together as a single JSON parameter unpacked by the database (SQLite's json_each,
 * PostgreSQL's json_array_elements). A fleet's invocation or target-state rows cost a fraction
 * of multi-row VALUES batches: no placeholder per value for the query builder to make and the
 * driver to bind, and little JSON to parse per row.
 */
export async function bulkInsert<T extends keyof Database & string>(db: Kysely<Database>, spec: BulkInsert<T>): Promise<void> {
  const { rows } = spec;
  if (rows.length === 0) return;
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const valueOf = (row: (typeof rows)[number], name: ColumnOf<T>): BulkValue => row[name] ?? null;
  const constant = spec.columns.filter((c) => rows.every((r) => valueOf(r, c.name) === valueOf(rows[0], c.name)));
  const varying = spec.columns.filter((c) => !constant.includes(c));
  const picks: RawBuilder<unknown>[] = [
    // PostgreSQL types a bare parameter of a SELECT as text: each says its column's type.
    ...constant.map((c) => (postgres ? sql`${valueOf(rows[0], c.name)}::${sql.raw(c.type)}` : sql`${valueOf(rows[0], c.name)}`)),
    ...varying.map((c, i) => (postgres ? sql`(v->>${sql.lit(i)})::${sql.raw(c.type)}` : sql`json_extract(value, ${sql.lit(`$[${i}]`)})`)),
  ];
  const names = [...constant, ...varying].map((c) => sql.ref(c.name));
  const payload = JSON.stringify(rows.map((r) => varying.map((c) => valueOf(r, c.name))));
  const source = postgres ? sql`json_array_elements(${payload}::json) as v` : sql`json_each(${payload})`;
  const conflict = spec.onConflict
    ? sql` on conflict (${sql.join(spec.onConflict.key.map((k) => sql.ref(k)))}) do update set ${sql.join(spec.onConflict.update.map((k) => sql`${sql.ref(k)} = excluded.${sql.ref(k)}`))}`
    : sql``;
  // SQLite needs a WHERE in INSERT … SELECT … ON CONFLICT, or it reads ON as a join's.
  await sql`insert into ${sql.table(spec.table)} (${sql.join(names)}) select ${sql.join(picks)} from ${source} where true${conflict}`.execute(db);
}

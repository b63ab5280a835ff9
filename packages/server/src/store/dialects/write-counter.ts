/**
 * Counts the writes made through this process's connections, by table, from the text of each
 * statement as it is run (read once per distinct text): `insert into "t"`, `update "t"`,
 * `delete from "t"`, also inside a `with …` statement (PostgreSQL's audit batch is one). Reads
 * and transaction control count nothing; a write whose table is not recognised counts under
 * '*', which every table's readers must also watch. The read caches (store/read-cache.ts) end
 * when a count of a table they read changes.
 */
export class WriteCounter {
  private readonly tablesOf = new Map<string, readonly string[]>();
  private readonly counts = new Map<string, number>();

  /** The tables a statement writes (none for reads and transaction control; '*' when unsure). */
  tables(text: string): readonly string[] {
    let tables = this.tablesOf.get(text);
    if (tables === undefined) {
      tables = writtenTables(text);
      if (this.tablesOf.size > 10_000) this.tablesOf.clear();
      this.tablesOf.set(text, tables);
    }
    return tables;
  }

  note(text: string): void {
    this.add(this.tables(text));
  }

  add(tables: Iterable<string>): void {
    for (const table of tables) this.counts.set(table, (this.counts.get(table) ?? 0) + 1);
  }

  of(table: string): number {
    return this.counts.get(table) ?? 0;
  }

  /** Changes whenever one of `tables` is written, or a statement of unknown table is. */
  writesTo(tables: readonly string[]): number {
    let n = this.of('*');
    for (const table of tables) n += this.of(table);
    return n;
  }
}

const WRITE = /(?:^|[\s(,])(?:insert(?:\s+or\s+\w+)?\s+into|replace\s+into|update(?:\s+or\s+\w+)?|delete\s+from)\s+["`]?(\w+)["`]?/gi;

export function writtenTables(text: string): readonly string[] {
  if (/^\s*(select|begin|start|commit|end|rollback|savepoint|release|pragma|explain|show|listen|unlisten)\b/i.test(text)) return [];
  if (/^\s*with\b/i.test(text)) {
    // Common table expressions: whatever they insert, update or delete; none is a read.
    return [...new Set([...text.matchAll(WRITE)].map((m) => m[1]))];
  }
  const match = /^\s*(?:insert(?:\s+or\s+\w+)?\s+into|replace\s+into|update(?:\s+or\s+\w+)?|delete\s+from)\s+["`]?(\w+)["`]?/i.exec(text);
  return match ? [match[1]] : ['*'];
}

import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-foundation.ts';
import * as m0002 from './0002-session-credentials.ts';
import * as m0003 from './0003-iam.ts';
import * as m0004 from './0004-parameters.ts';
import * as m0005 from './0005-nodes.ts';
import * as m0006 from './0006-documents.ts';
import * as m0007 from './0007-commands.ts';
import * as m0008 from './0008-change-notifications.ts';
import * as m0009 from './0009-parameter-names.ts';
import { regionsMigration } from './0010-regions.ts';
import * as m0011 from './0011-associations.ts';
import * as m0012 from './0012-compliance.ts';
import * as m0013 from './0013-maintenance-windows.ts';
import * as m0014 from './0014-inventory.ts';
import * as m0015 from './0015-automation.ts';
import * as m0016 from './0016-patch.ts';

/**
 * Every migration, in order. A static list (not a folder scan) so that the server can be
 * bundled and so that SQLite and PostgreSQL run exactly the same steps. `region` is the
 * server's configured region, where 0010-regions moves the rows written before it.
 */
const migrationsFor = (region: string): Record<string, Migration> => ({
  '0001-foundation': m0001,
  '0002-session-credentials': m0002,
  '0003-iam': m0003,
  '0004-parameters': m0004,
  '0005-nodes': m0005,
  '0006-documents': m0006,
  '0007-commands': m0007,
  '0008-change-notifications': m0008,
  '0009-parameter-names': m0009,
  '0010-regions': regionsMigration(region),
  '0011-associations': m0011,
  '0012-compliance': m0012,
  '0013-maintenance-windows': m0013,
  '0014-inventory': m0014,
  '0015-automation': m0015,
  '0016-patch': m0016,
});

/** The migrations this version knows, oldest first (a store with others was written by a newer Bosun). */
export const migrationNames: readonly string[] = Object.keys(migrationsFor('us-east-1')).sort();

export function migrationProvider(region: string): MigrationProvider {
  return { getMigrations: async () => migrationsFor(region) };
}

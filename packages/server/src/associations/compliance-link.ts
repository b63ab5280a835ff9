import type { Scope } from '@bosun/protocol';
import { recordAssociationCompliance } from '../compliance/association-compliance.ts';
import type { Db } from '../store/store.ts';

/** compliance/association-compliance.ts's writer, which State Manager calls after each node's result (SyncCompliance AUTO). */
export type RecordAssociationCompliance = (db: Db, scope: Scope, input: {
  instanceId: string;
  associationId: string;
  associationName?: string;
  documentName: string;
  documentVersion: string;
  executionId: string;
  severity: string;
  status: 'COMPLIANT' | 'NON_COMPLIANT';
  executionTime: number;
}) => Promise<void>;

/** The writer the engine uses (a function, so tests pass their own). */
export async function loadAssociationCompliance(): Promise<RecordAssociationCompliance | undefined> {
  return recordAssociationCompliance;
}

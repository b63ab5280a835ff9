/**
 * Table types of Automation (migration 0015-automation, docs/automation.md); the store's
 * Database extends this. Times are epoch ms; JSON is text.
 *
 * An execution is its event log (automation_events, append-only): the row in
 * automation_executions holds what was fixed at the start (runbook, parameters, caller) and a
 * projection of the log (status, current step, when the engine should look again) that every
 * append rewrites in the same transaction, for listing and for the engine's due query.
 */

export interface AutomationExecutionsTable {
  execution_id: string;
  account_id: string;
  region: string;
  document_name: string;
  document_version: string;
  /** The runbook's content as JSON, as it was at the start: a later version never changes a running execution. */
  document_content: string;
  /** The typed parameter values after defaults (JSON object). */
  parameters: string;
  mode: string;
  /** The caller's principal (JSON): steps that call the API act as this identity, never broader. */
  principal: string;
  executed_by: string;
  client_token: string | null;
  parent_execution_id: string | null;
  /** JSON list of {Key, Value}. */
  tags: string;
  // Projection of the log, rewritten with every append:
  status: string;
  current_step_name: string | null;
  current_action: string | null;
  failure_message: string | null;
  /** JSON map of output name → string list. */
  outputs: string;
  /** Number of events in the log: the next event's seq. */
  event_count: number;
  /** When the engine must look again (epoch ms); null when only a signal can move it, or when it has ended. */
  due_at: number | null;
  /** A replica's lease on the execution, so that one replica at a time runs its steps. */
  claimed_by: string | null;
  claimed_until: number | null;
  started_at: number;
  ended_at: number | null;
}

/** One event of an execution's history. Types are append-only (execution-history.ts). */
export interface AutomationEventsTable {
  execution_id: string;
  seq: number;
  account_id: string;
  region: string;
  at: number;
  type: string;
  step_name: string | null;
  /** The event's fields (JSON). */
  data: string;
}

export interface AutomationTables {
  automation_executions: AutomationExecutionsTable;
  automation_events: AutomationEventsTable;
}

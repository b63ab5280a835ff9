/**
 * Table types of Maintenance windows (docs/maintenance-windows.md); the store's Database
 * extends this. Regional: every row carries account_id and region. Times are epoch ms;
 * JSON members are text; booleans are 0/1.
 */

export interface MaintenanceWindowsTable {
  window_id: string;
  account_id: string;
  region: string;
  name: string;
  description: string | null;
  schedule: string;
  schedule_timezone: string | null;
  schedule_offset: number | null;
  start_date: string | null;
  end_date: string | null;
  duration: number;
  cutoff: number;
  allow_unassociated_targets: number;
  enabled: number;
  /** The next due time the scheduler has not claimed yet; null when none is left (past EndDate, an at() run, disabled). */
  next_due_at: number | null;
  client_token: string | null;
  request_hash: string | null;
  tags: string;
  created_at: number;
  updated_at: number;
}

export interface MaintenanceWindowTargetsTable {
  window_target_id: string;
  window_id: string;
  account_id: string;
  region: string;
  resource_type: string;
  /** JSON ssm.Target[]. */
  targets: string;
  owner_information: string | null;
  name: string | null;
  description: string | null;
  client_token: string | null;
  request_hash: string | null;
  created_at: number;
}

export interface MaintenanceWindowTasksTable {
  window_task_id: string;
  window_id: string;
  account_id: string;
  region: string;
  task_arn: string;
  task_type: string;
  /** JSON ssm.Target[]. */
  targets: string;
  /** The rest of the definition as the request gave it (JSON): TaskParameters, TaskInvocationParameters, LoggingInfo, AlarmConfiguration... */
  definition: string;
  priority: number;
  max_concurrency: string | null;
  max_errors: string | null;
  service_role_arn: string | null;
  name: string | null;
  description: string | null;
  cutoff_behavior: string;
  client_token: string | null;
  request_hash: string | null;
  created_at: number;
}

export interface MaintenanceWindowExecutionsTable {
  window_execution_id: string;
  window_id: string;
  account_id: string;
  region: string;
  /** The scheduled time this execution is for: (window_id, due_at) is unique, so a due time runs once. */
  due_at: number;
  status: string;
  status_details: string;
  /** No task starts at or after this time (due + Duration − Cutoff). */
  cutoff_at: number;
  /** The window closes (due + Duration). */
  ends_at: number;
  start_time: number;
  end_time: number | null;
  cancel_requested: number;
}

export interface MaintenanceWindowTaskExecutionsTable {
  task_execution_id: string;
  window_execution_id: string;
  window_id: string;
  window_task_id: string;
  account_id: string;
  region: string;
  priority: number;
  /** The task as it was when the execution started (JSON of the task row). */
  task: string;
  status: string;
  status_details: string;
  start_time: number | null;
  end_time: number | null;
  /** When this process (or another replica) took the task to start it; a stale claim is taken over. */
  claimed_at: number | null;
}

export interface MaintenanceWindowInvocationsTable {
  invocation_id: string;
  task_execution_id: string;
  window_execution_id: string;
  account_id: string;
  region: string;
  seq: number;
  resource_id: string;
  window_target_id: string | null;
  owner_information: string | null;
  /** The Run Command command id, once sent. */
  execution_id: string | null;
  /** JSON of what was sent (SendCommand's members, pseudo-parameters substituted). */
  parameters: string;
  status: string;
  status_details: string;
  start_time: number | null;
  end_time: number | null;
}

export interface MaintenanceWindowsTables {
  maintenance_windows: MaintenanceWindowsTable;
  maintenance_window_targets: MaintenanceWindowTargetsTable;
  maintenance_window_tasks: MaintenanceWindowTasksTable;
  maintenance_window_executions: MaintenanceWindowExecutionsTable;
  maintenance_window_task_executions: MaintenanceWindowTaskExecutionsTable;
  maintenance_window_invocations: MaintenanceWindowInvocationsTable;
}

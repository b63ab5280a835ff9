/**
 * Table types of the store, shared by SQLite and PostgreSQL.
 * Portable rules: ids are text made by the caller, times are epoch milliseconds in
 * bigint columns, JSON is stored as text, booleans as 0/1 integers.
 */

import type { MaintenanceWindowsTables } from '../maintenance-windows/tables.ts';
import type { InventoryTables } from '../inventory/tables.ts';
import type { AutomationTables } from '../automation/tables.ts';
import type { PatchTables } from '../patch/tables.ts';

export interface AccountsTable {
  account_id: string;
  created_at: number;
}

export interface UsersTable {
  account_id: string;
  user_name: string;
  user_id: string;
  path: string;
  created_at: number;
}

export interface AccessKeysTable {
  access_key_id: string;
  account_id: string;
  user_name: string;
  /** The secret access key sealed under the server's root key (never plaintext). */
  secret_sealed: string;
  status: 'Active' | 'Inactive';
  created_at: number;
  last_used_at: number | null;
}

export interface ServiceSettingsTable {
  account_id: string;
  /** The region the resource lives in (0010-regions). */
  region: string;
  setting_id: string;
  setting_value: string;
  last_modified_at: number;
  last_modified_user: string;
}

export interface AuditEventsTable {
  seq: number;
  event_id: string;
  event_time: number;
  account_id: string | null;
  event_source: string;
  event_name: string;
  read_only: number;
  username: string | null;
  access_key_id: string | null;
  error_code: string | null;
  /** The CloudTrail-shaped record, exactly the text that was hashed. */
  record: string;
  prev_hash: string;
  hash: string;
}

export interface AuditResourceNamesTable {
  resource_name: string;
  seq: number;
}

export interface AuditResourceFoldTable {
  id: number;
  seq: number;
}

export interface AuditResourcesTable {
  seq: number;
  resource_type: string;
  resource_name: string;
}

export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

export interface ServerMetaTable {
  key: string;
  value: string;
}

export interface SessionCredentialsTable {
  access_key_id: string;
  account_id: string;
  /** The secret access key sealed under the root key. */
  secret_sealed: string;
  /** The session token sealed under the root key. */
  session_token_sealed: string;
  principal: string;
  subject: string;
  issued_at: number;
  expires_at: number;
  revoked_at: number | null;
}

// Access control (0003-iam)

export type IamEntityType = 'user' | 'group' | 'role';

export interface IamGroupsTable {
  account_id: string;
  group_name: string;
  group_id: string;
  path: string;
  created_at: number;
}

export interface IamGroupMembersTable {
  account_id: string;
  group_name: string;
  user_name: string;
}

export interface IamRolesTable {
  account_id: string;
  role_name: string;
  role_id: string;
  path: string;
  /** The trust (assume role) policy document, JSON. */
  trust_policy: string;
  description: string | null;
  max_session_duration: number;
  created_at: number;
}

export interface IamPoliciesTable {
  policy_arn: string;
  account_id: string;
  policy_name: string;
  policy_id: string;
  path: string;
  description: string | null;
  default_version: string;
  next_version: number;
  created_at: number;
  updated_at: number;
}

export interface IamPolicyVersionsTable {
  policy_arn: string;
  version_id: string;
  document: string;
  created_at: number;
}

export interface IamAttachmentsTable {
  account_id: string;
  entity_type: IamEntityType;
  entity_name: string;
  policy_arn: string;
  attached_at: number;
}

export interface IamInlinePoliciesTable {
  account_id: string;
  entity_type: IamEntityType;
  entity_name: string;
  policy_name: string;
  document: string;
}

export interface IamTagsTable {
  account_id: string;
  entity_type: IamEntityType;
  entity_name: string;
  tag_key: string;
  tag_value: string;
}

export interface IamAccessKeyLastUsedTable {
  access_key_id: string;
  used_at: number;
  service_name: string;
  region: string;
}

/** Every table; capabilities with a tables.ts of their own add theirs through it. */
export interface Database extends MaintenanceWindowsTables, InventoryTables, AutomationTables, PatchTables {
  accounts: AccountsTable;
  users: UsersTable;
  access_keys: AccessKeysTable;
  service_settings: ServiceSettingsTable;
  audit_events: AuditEventsTable;
  audit_resources: AuditResourcesTable;
  audit_head: AuditHeadTable;
  /** SQLite's audit file only (store/audit-file.ts): the resource-name index, filled in sorted batches. */
  audit_resource_names: AuditResourceNamesTable;
  /** SQLite's audit file only: the last event whose resources are in audit_resource_names. */
  audit_resource_fold: AuditResourceFoldTable;
  server_meta: ServerMetaTable;
  session_credentials: SessionCredentialsTable;
  iam_groups: IamGroupsTable;
  iam_group_members: IamGroupMembersTable;
  iam_roles: IamRolesTable;
  iam_policies: IamPoliciesTable;
  iam_policy_versions: IamPolicyVersionsTable;
  iam_attachments: IamAttachmentsTable;
  iam_inline_policies: IamInlinePoliciesTable;
  iam_tags: IamTagsTable;
  iam_access_key_last_used: IamAccessKeyLastUsedTable;
  // Parameter Store, KMS, Secrets Manager (migration 0004-parameters)
  kms_keys: KmsKeysTable;
  kms_key_versions: KmsKeyVersionsTable;
  kms_aliases: KmsAliasesTable;
  parameter_versions: ParameterVersionsTable;
  parameter_tags: ParameterTagsTable;
  deleted_parameters: DeletedParametersTable;
  secrets: SecretsTable;
  secret_versions: SecretVersionsTable;
  events: EventsTable;
  account_options: AccountOptionsTable;
  activations: ActivationsTable;
  managed_instances: ManagedInstancesTable;
  channel_messages: ChannelMessagesTable;
  // Documents (0006-documents)
  documents: DocumentsTable;
  document_versions: DocumentVersionsTable;
  document_permissions: DocumentPermissionsTable;
  // Run Command (0007-commands)
  commands: CommandsTable;
  command_invocations: CommandInvocationsTable;
  command_output_chunks: CommandOutputChunksTable;
  stored_objects: StoredObjectsTable;
  // State Manager (0011-associations)
  associations: AssociationsTable;
  association_versions: AssociationVersionsTable;
  association_executions: AssociationExecutionsTable;
  association_targets: AssociationTargetsTable;
  // Compliance (0012-compliance)
  compliance_items: ComplianceItemsTable;
  compliance_summaries: ComplianceSummariesTable;
}

// Parameter Store, KMS, Secrets Manager (migration 0004-parameters)

export interface KmsKeysTable {
  key_id: string;
  account_id: string;
  /** The region the resource lives in (0010-regions). */
  region: string;
  description: string;
  key_usage: string;
  key_spec: string;
  origin: string;
  key_manager: 'CUSTOMER' | 'AWS';
  key_state: 'Enabled' | 'Disabled' | 'PendingDeletion';
  created_at: number;
  deletion_at: number | null;
  pending_window_days: number | null;
  rotation_enabled: number;
  rotation_period_days: number | null;
  next_rotation_at: number | null;
  current_version: number;
  tags: string;
}

export interface KmsKeyVersionsTable {
  key_id: string;
  version: number;
  /** Key material sealed under the root key (never plaintext). */
  material_sealed: string;
  created_at: number;
  reason: string;
}

export interface KmsAliasesTable {
  account_id: string;
  /** The region the resource lives in (0010-regions). */
  region: string;
  alias_name: string;
  target_key_id: string;
  created_at: number;
  updated_at: number;
}

export interface ParameterVersionsTable {
  account_id: string;
  /** The region the resource lives in (0010-regions). */
  region: string;
  name: string;
  version: number;
  parent_path: string;
  type: 'String' | 'StringList' | 'SecureString';
  /** Plain for String/StringList; KMS envelope ciphertext (base64) for SecureString. */
  value: string;
  key_id: string | null;
  description: string | null;
  allowed_pattern: string | null;
  tier: string;
  policies: string;
  data_type: string;
  labels: string;
  last_modified_at: number;
  last_modified_user: string;
  is_current: number;
  expires_at: number | null;
  policy_due_at: number | null;
}

export interface ParameterTagsTable {
  account_id: string;
  /** The region the resource lives in (0010-regions). */
  region: string;
  name: string;
  tags: string;
}

export interface DeletedParametersTable {
  deletion_id: string;
  account_id: string;
  /** The region the resource lives in (0010-regions). */
  region: string;
  name: string;
  deleted_at: number;
  deleted_by: string;
  versions: string;
  tags: string;
}

export interface SecretsTable {
  arn: string;
  account_id: string;
  /** The region the resource lives in (0010-regions). */
  region: string;
  name: string;
  description: string | null;
  kms_key_id: string | null;
  created_at: number;
  last_changed_at: number;
  last_accessed_at: number | null;
  deleted_at: number | null;
  deletion_at: number | null;
  tags: string;
}

export interface SecretVersionsTable {
  secret_arn: string;
  version_id: string;
  stages: string;
  secret_string: string | null;
  secret_binary: string | null;
  kms_key_id: string;
  created_at: number;
}

export interface EventsTable {
  event_id: string;
  account_id: string;
  /** The region the resource lives in (0010-regions). */
  region: string;
  created_at: number;
  source: string;
  detail_type: string;
  resources: string;
  detail: string;
  delivered_at: number | null;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
}

export interface AccountOptionsTable {
  account_id: string;
  option: string;
  value: string;
  updated_at: number;
}

// Managed nodes (0005-nodes)

export interface ActivationsTable {
  activation_id: string;
  account_id: string;
  /** The region the resource lives in (0010-regions). */
  region: string;
  /** SHA-256 (hex) of the activation code; the code is never stored. */
  code_hash: string;
  description: string | null;
  default_instance_name: string | null;
  iam_role: string;
  registration_limit: number;
  registrations_count: number;
  expires_at: number;
  created_at: number;
  tags: string;
  registration_metadata: string;
}

export interface ManagedInstancesTable {
  instance_id: string;
  account_id: string;
  /** The region the resource lives in (0010-regions). */
  region: string;
  activation_id: string;
  iam_role: string;
  name: string | null;
  public_key: string;
  registered_at: number;
  deregistered_at: number | null;
  last_ping_at: number | null;
  agent_version: string | null;
  platform_name: string | null;
  platform_type: string | null;
  platform_version: string | null;
  computer_name: string | null;
  ip_address: string | null;
  clock_offset_ms: number | null;
  refused_reason: string | null;
  refused_at: number | null;
  refused_skew_ms: number | null;
  tags: string;
}

export interface ChannelMessagesTable {
  message_id: string;
  instance_id: string;
  type: string;
  body: string;
  /** dropped: withdrawn before delivery (delivery timeout, cancel): never sent again. */
  state: 'queued' | 'acked' | 'dropped';
  created_at: number;
  acked_at: number | null;
}

// Documents (0006-documents)

export interface DocumentsTable {
  account_id: string;
  /** The region the resource lives in (0010-regions). */
  region: string;
  name: string;
  document_type: string;
  default_version: number;
  /** The highest version number ever given (numbers of deleted versions are not reused). */
  version_counter: number;
  created_at: number;
  /** [{Key, Value}] as JSON */
  tags: string;
}

export interface DocumentVersionsTable {
  account_id: string;
  /** The region the resource lives in (0010-regions). */
  region: string;
  name: string;
  document_version: number;
  version_name: string | null;
  display_name: string | null;
  content: string;
  document_format: string;
  hash: string;
  schema_version: string;
  description: string | null;
  target_type: string | null;
  /** JSON list of platform types */
  platform_types: string;
  /** JSON [{Name, Type, Description, DefaultValue}] */
  parameters: string;
  created_at: number;
}

export interface DocumentPermissionsTable {
  account_id: string;
  /** The region the resource lives in (0010-regions). */
  region: string;
  name: string;
  /** A 12-digit account id, or 'all' (public). */
  shared_with: string;
  /** $DEFAULT, $LATEST or $ALL */
  shared_version: string;
  created_at: number;
}

// Run Command (0007-commands)

export interface CommandsTable {
  command_id: string;
  account_id: string;
  /** The region the resource lives in (0010-regions). */
  region: string;
  document_name: string;
  document_arn: string;
  document_version: string;
  document_hash: string;
  /** The document's content as JSON text, as sent to the nodes. */
  document_content: string;
  /** SendCommand's Parameters as supplied (map of string lists, JSON): what ListCommands shows. */
  parameters: string;
  /** Typed values after defaults and `{{ssm:}}` resolution (JSON); `{{ssm-secure:}}` stay references. */
  resolved_parameters: string;
  comment: string;
  instance_ids: string;
  targets: string;
  requested_at: number;
  /** Delivery deadline: invocations not yet received by their node at this time end Delivery Timed Out. */
  expires_at: number;
  timeout_seconds: number;
  /** How long one invocation may run before the server gives up on a silent node (ms, grace included). */
  execution_limit_ms: number;
  max_concurrency: string;
  max_errors: string;
  max_concurrency_n: number;
  max_errors_n: number;
  status: string;
  status_details: string;
  target_count: number;
  /** Invocations taken out of the queue (sent, or ended unsent): the next one to send has this seq. */
  started_count: number;
  in_flight_count: number;
  completed_count: number;
  error_count: number;
  delivery_timed_out_count: number;
  success_count: number;
  failed_count: number;
  execution_timed_out_count: number;
  undeliverable_count: number;
  invalid_platform_count: number;
  cancelled_count: number;
  terminated_count: number;
  cancel_requested: number;
  output_s3_region: string | null;
  output_s3_bucket_name: string | null;
  output_s3_key_prefix: string | null;
  service_role: string | null;
  notification_config: string | null;
  cloudwatch_output_config: string | null;
  completed_at: number | null;
}

export interface CommandInvocationsTable {
  command_id: string;
  instance_id: string;
  account_id: string;
  /** The region the resource lives in (0010-regions). */
  region: string;
  /** Dispatch order (0-based) within the command. */
  seq: number;
  instance_name: string;
  status: string;
  status_details: string;
  response_code: number;
  /** The channel message that carries it to the node (set when sent). */
  message_id: string | null;
  sent_at: number | null;
  /** When the node acknowledged it (InProgress). */
  acked_at: number | null;
  started_at: number | null;
  ended_at: number | null;
  /** Past this time a sent invocation the node never answered ends Execution Timed Out. */
  deadline_at: number | null;
  /** Plugin results (JSON list): name, status, details, code, times, lengths and output heads. */
  plugins: string;
  updated_at: number;
}

export interface CommandOutputChunksTable {
  command_id: string;
  instance_id: string;
  plugin_name: string;
  stream: string;
  offset: number;
  data: string;
}

export interface StoredObjectsTable {
  object_key: string;
  data: string;
  created_at: number;
}

// Compliance (0012-compliance)

export interface ComplianceItemsTable {
  account_id: string;
  region: string;
  /** `ManagedInstance`, the only resource type AWS supports. */
  resource_type: string;
  resource_id: string;
  /** `Association`, `Patch` or `Custom:<name>`. */
  compliance_type: string;
  /** The item's key within its resource and type: `id:<Id>`, or `#<position>` for an item put without an Id. */
  item_key: string;
  item_id: string | null;
  title: string | null;
  status: string;
  severity: string;
  /** Details (JSON object of strings), or null. */
  details: string | null;
  /** The execution summary of the put that wrote the item. */
  execution_time: number;
  execution_id: string | null;
  execution_type: string | null;
  updated_at: number;
}

/** One row per resource and compliance type that has items, kept by every write. */
export interface ComplianceSummariesTable {
  account_id: string;
  region: string;
  resource_type: string;
  resource_id: string;
  compliance_type: string;
  /** NON_COMPLIANT when any item is. */
  status: string;
  /** The highest severity of the non-compliant items, or of all items when none is. */
  overall_severity: string;
  /** Item counts by severity (JSON, SeveritySummary's shape) of the compliant and the non-compliant items. */
  compliant_counts: string;
  non_compliant_counts: string;
  /** The last write's execution summary. */
  execution_time: number;
  execution_id: string | null;
  execution_type: string | null;
  /** ItemContentHash of the last put (a put with the same hash is ignored). */
  content_hash: string | null;
  updated_at: number;
}

// State Manager (0011-associations)

export interface AssociationsTable {
  association_id: string;
  account_id: string;
  region: string;
  /** The current version (1, 2…); every version's definition is in association_versions. */
  association_version: number;
  /** The document's name or ARN, as given. */
  name: string;
  /** As given ($DEFAULT, $LATEST or a number); null = $DEFAULT. */
  document_version: string | null;
  /** Legacy associations of one node (InstanceId instead of Targets). */
  instance_id: string | null;
  association_name: string | null;
  /** JSON Record<string, string[]>. */
  parameters: string;
  /** JSON Target[]. */
  targets: string;
  schedule_expression: string | null;
  schedule_offset: number | null;
  apply_only_at_cron_interval: number;
  max_concurrency: string | null;
  max_errors: string | null;
  compliance_severity: string | null;
  /** AUTO or MANUAL. */
  sync_compliance: string;
  /** JSON of the members Bosun keeps and shows back without acting on them (OutputLocation, CalendarNames, TargetLocations…). */
  extras: string;
  /** Overview: Pending, Success or Failed. */
  status: string;
  detailed_status: string;
  /** JSON Record<status, count> (AssociationStatusAggregatedCount). */
  status_counts: string;
  /** JSON AssociationStatus of UpdateAssociationStatus (legacy associations). */
  legacy_status: string | null;
  created_at: number;
  updated_at: number;
  last_execution_at: number | null;
  last_successful_execution_at: number | null;
  /** When the schedule next applies it; null without a schedule. */
  next_run_at: number | null;
}

export interface AssociationVersionsTable {
  association_id: string;
  association_version: number;
  account_id: string;
  region: string;
  created_at: number;
  /** JSON of the version's definition (AssociationVersionInfo's members). */
  definition: string;
}

export interface AssociationExecutionsTable {
  execution_id: string;
  association_id: string;
  account_id: string;
  region: string;
  association_version: number;
  /** create, update, schedule, start-once, node (a new node or tag), reconcile. */
  trigger: string;
  /** Pending (commands not all created yet), InProgress, Success, Failed. */
  status: string;
  detailed_status: string;
  /** JSON string[]: the nodes this execution applies to, sorted. */
  instance_ids: string;
  /** JSON string[]: the Run Command commands made for it (one per 50 nodes). */
  command_ids: string;
  /** JSON Record<status, count> (ResourceCountByStatus). */
  resource_counts: string;
  created_at: number;
  /** Who creates its commands holds this; a claim older than the lease is taken over after a crash. */
  claimed_at: number;
  ended_at: number | null;
}

export interface AssociationTargetsTable {
  association_id: string;
  instance_id: string;
  account_id: string;
  region: string;
  /** The association version last applied (or being applied) here. */
  association_version: number;
  execution_id: string;
  /** Pending (applying), Success, Failed. */
  status: string;
  detailed_status: string;
  error_code: string;
  summary: string;
  execution_at: number;
  updated_at: number;
}

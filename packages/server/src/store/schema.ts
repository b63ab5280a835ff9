/**
 * Table types of the store, shared by SQLite and PostgreSQL.
 * Portable rules: ids are text made by the caller, times are epoch milliseconds in
 * bigint columns, JSON is stored as text, booleans as 0/1 integers.
 */

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

export interface Database {
  accounts: AccountsTable;
  users: UsersTable;
  access_keys: AccessKeysTable;
  service_settings: ServiceSettingsTable;
  audit_events: AuditEventsTable;
  audit_resources: AuditResourcesTable;
  audit_head: AuditHeadTable;
  server_meta: ServerMetaTable;
  session_credentials: SessionCredentialsTable;
  activations: ActivationsTable;
  managed_instances: ManagedInstancesTable;
  channel_messages: ChannelMessagesTable;
}

// Managed nodes (0005-nodes)

export interface ActivationsTable {
  activation_id: string;
  account_id: string;
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
  state: 'queued' | 'acked';
  created_at: number;
  acked_at: number | null;
}

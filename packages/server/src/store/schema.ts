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
  iam_groups: IamGroupsTable;
  iam_group_members: IamGroupMembersTable;
  iam_roles: IamRolesTable;
  iam_policies: IamPoliciesTable;
  iam_policy_versions: IamPolicyVersionsTable;
  iam_attachments: IamAttachmentsTable;
  iam_inline_policies: IamInlinePoliciesTable;
  iam_tags: IamTagsTable;
  iam_access_key_last_used: IamAccessKeyLastUsedTable;
}

/**
 * Table types of Patch Manager (docs/patching.md); the store's Database extends this.
 * Regional: every row carries account_id and region. Times are epoch ms; JSON members are text.
 */

export interface PatchBaselinesTable {
  /** pb- followed by 17 hex digits (AWS's shape). AWS's predefined baselines are not rows: they live in code (predefined-baselines.ts). */
  baseline_id: string;
  account_id: string;
  region: string;
  name: string;
  operating_system: string;
  description: string | null;
  /** JSON BaselineDefinition: GlobalFilters, ApprovalRules, ApprovedPatches, RejectedPatches, Sources... as the request gave them. */
  definition: string;
  /** JSON ssm.Tag[]. */
  tags: string;
  client_token: string | null;
  request_hash: string | null;
  created_at: number;
  updated_at: number;
}

/** One patch group's baseline for one operating system (a group has at most one per OS). */
export interface PatchGroupsTable {
  account_id: string;
  region: string;
  patch_group: string;
  operating_system: string;
  baseline_id: string;
  registered_at: number;
}

/** The default baseline of an operating system that the account registered; without a row, AWS's predefined one. */
export interface PatchDefaultBaselinesTable {
  account_id: string;
  region: string;
  operating_system: string;
  baseline_id: string;
  registered_at: number;
}

export interface PatchTables {
  patch_baselines: PatchBaselinesTable;
  patch_groups: PatchGroupsTable;
  patch_default_baselines: PatchDefaultBaselinesTable;
}

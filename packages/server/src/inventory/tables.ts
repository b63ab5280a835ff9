/**
 * Table types of Inventory and its history (migration 0014-inventory, docs/inventory.md); the
 * store's Database extends this. Times are epoch ms; JSON is text.
 */

/** The current item of one inventory type on one node (its entries are in inventory_entries). */
export interface InventoryItemsTable {
  account_id: string;
  region: string;
  instance_id: string;
  type_name: string;
  schema_version: string;
  /** As the put gave it (AWS's `yyyy-MM-ddTHH:mm:ssZ`). */
  capture_time: string;
  content_hash: string | null;
  entry_count: number;
  updated_at: number;
}

/** One current entry of an item: a row per application, file, service…, keyed by its identity. */
export interface InventoryEntriesTable {
  account_id: string;
  region: string;
  instance_id: string;
  type_name: string;
  /** The entry's identity within its type (Name and Architecture of an application…). */
  entry_key: string;
  /** Its `Name` attribute, when it has one: what fleet queries look entries up by. */
  name: string | null;
  /** The entry (attribute name → value), JSON. */
  content: string;
}

/**
 * One change of one entry: `before` and `after` are its content (JSON) on either side, null
 * where it did not exist. The item itself is the entry with key '' (its schema version): a
 * type appearing on a node is one row with before null, the entries it came with are not
 * repeated (undoing the type's creation empties it).
 */
export interface InventoryChangesTable {
  account_id: string;
  region: string;
  instance_id: string;
  type_name: string;
  changed_at: number;
  entry_key: string;
  /** The entry's Name ('' for the item row): the fleet query reads changes by name. */
  name: string | null;
  before: string | null;
  after: string | null;
}

/** The schema of a Custom:* type (per account and region), or an AWS type's when DeleteInventory disabled it. */
export interface InventorySchemasTable {
  account_id: string;
  region: string;
  type_name: string;
  version: string;
  /** [{Name, DataType}], JSON. */
  attributes: string;
  /** 1 once DeleteInventory's DisableSchema turned it off: no new data is taken for it. */
  disabled: number;
  updated_at: number;
}

/** A DeleteInventory request and what it removed. */
export interface InventoryDeletionsTable {
  deletion_id: string;
  account_id: string;
  region: string;
  type_name: string;
  started_at: number;
  status: string;
  status_message: string;
  /** InventoryDeletionSummary, JSON. */
  summary: string;
  updated_at: number;
}

export interface InventoryTables {
  inventory_items: InventoryItemsTable;
  inventory_entries: InventoryEntriesTable;
  inventory_changes: InventoryChangesTable;
  inventory_schemas: InventorySchemasTable;
  inventory_deletions: InventoryDeletionsTable;
}

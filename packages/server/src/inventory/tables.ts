/** Table types of Inventory and its history (docs/inventory.md); the store's Database extends this. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface InventoryTables {}

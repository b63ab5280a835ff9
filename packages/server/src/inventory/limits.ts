/** AWS's Inventory limits (docs/inventory.md; Systems Manager quotas). */
export interface InventoryLimits {
  /** Size of one item's content, bytes: 200 KB. */
  readonly itemBytes: number;
  /** Size of all the items of one PutInventory, bytes: 1 MB. */
  readonly totalBytes: number;
  /** Custom inventory types per account and region: 20. */
  readonly customTypes: number;
  /** Attributes of one custom type: 50. */
  readonly attributesPerType: number;
}

export const inventoryLimits: InventoryLimits = {
  itemBytes: 200 * 1024,
  totalBytes: 1024 * 1024,
  customTypes: 20,
  attributesPerType: 50,
};

/** Table types of Patch Manager (docs/patching.md); the store's Database extends this. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PatchTables {}

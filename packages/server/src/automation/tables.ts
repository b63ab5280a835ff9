/** Table types of Automation (docs/automation.md); the store's Database extends this. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AutomationTables {}

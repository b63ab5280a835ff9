/** Table types of Maintenance windows (docs/maintenance-windows.md); the store's Database extends this. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface MaintenanceWindowsTables {}

/** What one resource and one put may hold (docs/compliance.md, "Limits"). */
export const complianceLimits = {
  /** Distinct Custom:* compliance types on one resource (AWS: "a maximum of 10 different types"). */
  customTypesPerResource: 10,
  /** One item's Id, Title and Details, in UTF-8 bytes of its JSON. */
  itemBytes: 200 * 1024,
  /** All items of one put, in UTF-8 bytes of their JSON. */
  totalBytes: 4 * 1024 * 1024,
} as const;

export type ComplianceLimits = { readonly [K in keyof typeof complianceLimits]: number };

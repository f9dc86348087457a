import type { TargetKeys } from './sync-target';

/**
 * Where servicenow-sync keeps the last state seen per record: per tenant and destination (every
 * schedule of a tenant reading one destination shares them), and per target (instance and table,
 * syncTarget in connectors/servicenow/updated-since.ts), because a clone of an instance keeps its
 * records' sys_ids: states seen on one instance compared with another's records would report
 * changes that did not happen there and miss some that did (sync-target.ts). Which target's states
 * are current is shared by those schedules too (servicenow-sync-shared.ts).
 *
 *   servicenow-sync:{tenant}:{destination}:{sys_id}            before targets were recorded (legacy)
 *   servicenow-sync:{tenant}@{digest}:{destination}:{sys_id}   a target's, by its digest
 *
 * Tenants hold no `:` or `@`, so no legacy prefix covers a digest key. Destination names may hold
 * `:`, so the legacy prefix of `snow` covers the legacy keys of `snow:eu`: a key is a prefix's own
 * only when the rest of it is a sys_id, with no `:` (ServiceNow's sys_ids are 32 hex digits).
 */
export const recordKeys = (tenant: string, destination: string): TargetKeys => ({
  prefixOf: (digest) => `servicenow-sync:${tenant}${digest === undefined ? '' : `@${digest}`}:${destination}:`,
  owns: (prefix, key) => key.startsWith(prefix) && /^[^:]+$/.test(key.slice(prefix.length)),
});

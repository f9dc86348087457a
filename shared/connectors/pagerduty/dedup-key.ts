import type { CloudEvent } from '../../events/cloudevent';
import { renderText } from '../template';
import { tenantOf } from '../../events/tenant';
import { tenantScopedKey } from '../tenant-key';

/**
 * The Events API v2 dedup_key of an event: every event of one finding of one tenant lands on one
 * alert, and findings of different tenants that share a uid never share one. The key is the
 * rendered `dedupKey` template (the finding uid by default), tenant-scoped as ../tenant-key.ts
 * describes; over the documented 255 characters
 * (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/) a default-tenant key
 * becomes `sha256:<hex>`.
 */
export const DEDUP_MAX = 255;

export function dedupKey(event: CloudEvent, template: string): string {
  const key = renderText(template, event, 'dedupKey');
  return tenantScopedKey(tenantOf(event), key, (k) => k.length <= DEDUP_MAX);
}

import { fixtureJson } from '../../../test/fixtures';
import type { CloudEvent } from '../../events/cloudevent';
import { githubMapper, type MappedEvent } from '../../mappers';

/**
 * Finding events as the router hands them to destinations: GitHub's documented
 * code_scanning_alert payloads (../shared/fixtures/events) through our own mapper, wrapped as
 * CloudEvents. Shared by the chat and paging connector tests.
 */
const RECEIVED = Date.parse('2026-01-01T00:00:00Z');

export function findingEvent(kind: 'created' | 'fixed', id = `evt-${kind}`): CloudEvent {
  const payload = fixtureJson(`events/github-code_scanning_alert-${kind}.payload.json`);
  const mapped = githubMapper({ event: 'code_scanning_alert', deliveryId: id, payload, receivedAt: RECEIVED }) as MappedEvent;
  return {
    specversion: '1.0', id, source: '/webhooks/github', type: mapped.type, subject: mapped.subject, time: mapped.time,
    datacontenttype: 'application/json', data: mapped.data, tenant: 'default', origin: 'webhook:github',
  };
}

/** A finding event whose title and description try to mention, link and format. */
export function hostileEvent(): CloudEvent {
  const e = findingEvent('created', 'evt-hostile');
  const data = e.data as { finding_info: Record<string, unknown> };
  data.finding_info.title = 'Fix <!channel> & <@U0123ABCD> now';
  data.finding_info.desc = 'See <https://evil.example|the official advisory> or [here](https://evil.example) **now**';
  data.finding_info.src_url = 'javascript:alert(1)';
  return e;
}

/** Everything an error could show: message, extra, headers, and the same down its cause chain. */
export function surface(e: unknown): string {
  const parts: unknown[] = [];
  for (let c = e as { message?: unknown; extra?: unknown; headers?: unknown; cause?: unknown } | undefined, i = 0; c && i < 6; c = c.cause as typeof c, i++) {
    parts.push(String(c.message), c.extra, c.headers, String(c));
  }
  return JSON.stringify(parts);
}

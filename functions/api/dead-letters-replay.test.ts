import { keepDeadLetter } from '../../shared/deadletters/store';
import { memoryObjects } from '../../shared/objects/memory';
import { fixtureBytes, fixtureJson } from '../../test/fixtures';
import { REPORT_FINDINGS } from '../storage-ingest/ingest.testkit';
import { apiDeps, call } from './testkit';

/** POST /dead-letters/{id}/replay answers what happened to the event, whatever happens to the count. */
const reason = { code: 'destination_failed', message: 'jira: 400' };
const event = { specversion: '1.0', id: 'e-count', source: '/x', type: 'x.y', tenant: 'acme' };

describe('POST /dead-letters/{id}/replay', () => {
  test('an event published but whose replay count cannot be written is 202: the caller must not replay (and publish) it again', async () => {
    const ctx = apiDeps();
    const { id } = await keepDeadLetter(ctx.deps, { tenant: 'acme', kind: 'event', reason, body: JSON.stringify(event) });
    const put = ctx.deps.store.put.bind(ctx.deps.store);
    // The store refuses writes to dead letters from now on (reads still work): the count is lost.
    jest.spyOn(ctx.deps.store, 'put').mockImplementation((key, ...rest) => (key.startsWith('dlq:') ? Promise.reject(new Error('store down')) : put(key, ...rest)));

    const res = await call(ctx.deps, 'POST', `/dead-letters/${id}/replay`);
    expect(ctx.bus.events).toEqual([event]);
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ ids: ['e-count'] });
  });

  describe('a storage notification kept by storage-ingest (kind notification, Azure Event Grid)', () => {
    // The real BlobCreated event of Microsoft's docs; the blob it names holds a real Trivy report.
    const blobCreated = JSON.stringify(fixtureJson<unknown[]>('events/azure-eventgrid-schema-blobcreated.json')[0]);
    const notificationReason = { code: 'invalid_config', message: 'no such container' };

    test('is ingested again: the report it names becomes findings, none of it is published as an event itself', async () => {
      const ctx = apiDeps({ ingest: { tenant: 'acme' } });
      const objects = memoryObjects(ctx.clock);
      await objects.put('test-container', 'new-file.txt', fixtureBytes('scanner/trivy-alpine-310.json'));
      const deps = { ...ctx.deps, objects };
      const { id } = await keepDeadLetter(deps, { tenant: 'acme', kind: 'notification', reason: notificationReason, body: blobCreated });

      const res = await call(deps, 'POST', `/dead-letters/${id}/replay`);
      expect(res.status).toBe(202);
      expect(res.json).toMatchObject({ ingest: [{ status: 'ingested', findings: REPORT_FINDINGS['scanner/trivy-alpine-310.json'] }] });
      const findings = ctx.bus.events.filter((e) => e.type.startsWith('secorch.finding.'));
      expect(findings).toHaveLength(REPORT_FINDINGS['scanner/trivy-alpine-310.json']);
      expect(ctx.bus.events.some((e) => e.type === 'Microsoft.Storage.BlobCreated')).toBe(false);
      expect(res.json.ids).toEqual(expect.arrayContaining(findings.map((e) => e.id)));
    });

    test('without object storage in this function it is 409 and nothing is published', async () => {
      const ctx = apiDeps({ ingest: { tenant: 'acme' } });
      const deps = { ...ctx.deps, objects: undefined };
      const { id } = await keepDeadLetter(deps, { tenant: 'acme', kind: 'notification', reason: notificationReason, body: blobCreated });
      const res = await call(deps, 'POST', `/dead-letters/${id}/replay`);
      expect([res.status, res.json.code]).toEqual([409, 'objects_unavailable']);
      expect(ctx.bus.events).toEqual([]);
    });

    test('is listed under ?kind=notification', async () => {
      const ctx = apiDeps();
      const { id } = await keepDeadLetter(ctx.deps, { tenant: 'acme', kind: 'notification', reason: notificationReason, body: blobCreated });
      await keepDeadLetter(ctx.deps, { tenant: 'acme', kind: 'event', reason, body: JSON.stringify(event) });
      const res = await call(ctx.deps, 'GET', '/dead-letters?kind=notification');
      expect(res.status).toBe(200);
      expect(res.json.items.map((d: { id: string }) => d.id)).toEqual([id]);
    });
  });
});

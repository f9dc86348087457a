import { runBatch } from '../../shared/batch/runner';
import { ConnectorError } from '../../shared/connectors/errors';
import { keepDeadLetter, listDeadLetters } from '../../shared/deadletters/store';
import { destinations } from '../../shared/destinations';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { memoryObjects } from '../../shared/objects/memory';
import { fixtureBytes, fixtureJson } from '../../test/fixtures';
import { eventRouter } from '../event-router/handler';
import { routedKey } from '../event-router/keys';
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

  test('an event a destination refused for good (its refusal recalled on the redelivery) calls that destination again, not the one that took it', async () => {
    const ctx = apiDeps({
      routes: [{ name: 'findings', filter: { prefix: { type: 'secorch.finding.' } }, to: ['a', 'b'] }],
      destinations: { a: { type: 'file', path: '/nonexistent/a.jsonl' }, b: { type: 'file', path: '/nonexistent/b.jsonl' } },
    });
    const finding: CloudEvent = { specversion: '1.0', id: 'e-refused', source: '/webhooks/github', type: 'secorch.finding.created', tenant: 'acme' };
    const calls = { a: 0, b: 0 };
    let aFixed = false;
    let bDown = true;
    const all = destinations(ctx.deps.config);
    all.set('a', async () => {
      calls.a++;
      if (!aFixed) throw new ConnectorError('connector_outcome_unknown', 'cases: POST failed after it may have been applied (502)', { connector: 'cases', vendorStatus: 502 });
    });
    all.set('b', async () => {
      calls.b++;
      if (bDown) throw new ConnectorError('connector_unavailable', 'tickets: 503', { connector: 'tickets', vendorStatus: 503 });
    });
    const route = async (body: unknown, receiveCount: number) =>
      (await runBatch([{ id: 'm-1', body: JSON.stringify(body), attributes: {}, receiveCount, maxReceives: 5 }], eventRouter, ctx.deps))[0]!;
    expect((await route(finding, 1)).ok).toBe(false);
    bDown = false;
    expect((await route(finding, 2)).ok).toBe(true);
    const [letter] = (await listDeadLetters(ctx.deps, 'acme')).items.map((i) => i.record);
    expect(letter?.reason.message).toBe('a: connector_outcome_unknown: cases: POST failed after it may have been applied (502)');
    expect(calls).toEqual({ a: 1, b: 2 });

    aFixed = true;
    const res = await call(ctx.deps, 'POST', `/dead-letters/${letter!.id}/replay`);
    expect(res.status).toBe(202);
    expect(await ctx.deps.store.get(routedKey(finding, 'a'))).toBeUndefined();
    expect(await ctx.deps.store.get(routedKey(finding, 'b'))).toBeDefined();
    expect(ctx.bus.events).toEqual([finding]);
    expect(await route(ctx.bus.events[0], 1)).toEqual({ id: 'm-1', ok: true });
    expect(calls).toEqual({ a: 2, b: 2 });
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

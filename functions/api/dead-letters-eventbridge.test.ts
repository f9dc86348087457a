import { keepDeadLetter } from '../../shared/deadletters/store';
import { AppError } from '../../shared/errors';
import { guardDutyAsff, importedEvent, trivyVulns } from '../../shared/mappers/aws/fixtures.testkit';
import { cloudFindings } from '../cloud-findings/handler';
import { apiPaths } from './openapi';
import { apiConfig, call } from './testkit';
import { testDeps } from '../../test/deps';

/**
 * POST /dead-letters/{id}/replay of an `eventbridge` dead letter (kept by cloud-findings): the
 * event is run through cloud-findings again; a replay that fails again answers a documented
 * typed error and leaves the dead letter as it was. Real events: fixtures.testkit.
 */
const KEY = 'default-admin-key-0123456789abcdef';
const setup = () => testDeps({ api: { keys: { ...apiConfig.api.keys, 'default-admin': { key: KEY, tenant: 'default' } } } });
const reason = { code: 'bus_unavailable', message: 'Failed at attempt 3 of 3: event bus unreachable' };
const documented = (status: number): string[] => {
  const schema = (apiPaths['/dead-letters/{id}/replay'].post.responses as unknown as Record<string, { content?: Record<string, { schema: { allOf: [unknown, { properties: { code: { enum: string[] } } }] } }> }>)[String(status)];
  return schema?.content?.['application/problem+json']?.schema.allOf[1].properties.code.enum ?? [];
};

describe('replay of an eventbridge dead letter', () => {
  test('published again: 202 with the ids, the same as the event would have had', async () => {
    const { deps, bus, clock } = setup();
    const event = importedEvent([guardDutyAsff(), ...trivyVulns()]);
    const keptAt = clock.now();
    const { id } = await keepDeadLetter(deps, { tenant: 'default', kind: 'eventbridge', reason, body: JSON.stringify(event) });
    clock.advance(3_600_000);
    const res = await call(deps, 'POST', `/dead-letters/${id}/replay`, { key: KEY });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ ids: bus.events.map((e) => e.id) });
    expect(bus.events.map((e) => e.type)).toEqual(['secorch.finding.updated', 'secorch.finding.created', 'secorch.finding.created']);
    // As of the dead letter's receipt: the finding's logged_time is when the event came, not the replay.
    expect(bus.events[0]!.data).toMatchObject({ metadata: expect.objectContaining({ logged_time: keptAt }) });
    const direct = testDeps();
    await cloudFindings({ id: 'r', body: JSON.stringify(event), attributes: {} }, direct.deps);
    expect(direct.bus.events.map((e) => e.id)).toEqual(res.json.ids);
  });

  test.each([
    ['the state store down', 503, 'store_unavailable', (d: ReturnType<typeof setup>['deps']) => {
      const get = d.store.get.bind(d.store);
      d.store.get = (key) => (key.startsWith('cfseen:') ? Promise.reject(new Error('ECONNRESET (test)')) : get(key));
      const put = d.store.put.bind(d.store);
      d.store.put = (key, ...rest) => (key.startsWith('cfseen:') ? Promise.reject(new Error('ECONNRESET (test)')) : put(key, ...rest));
    }],
    ['a finding larger than the bus takes', 413, 'event_too_large', (d: ReturnType<typeof setup>['deps']) => {
      d.bus = { ...d.bus, publish: () => Promise.reject(new AppError('bus_message_too_large', 'too large (test)', { status: 500, retryable: false, expose: false })) };
    }],
  ])('%s: %s %s, documented, and the dead letter stays', async (_name, status, code, breakIt) => {
    const { deps, bus } = setup();
    const { id } = await keepDeadLetter(deps, { tenant: 'default', kind: 'eventbridge', reason, body: JSON.stringify(importedEvent()) });
    breakIt(deps);
    const res = await call(deps, 'POST', `/dead-letters/${id}/replay`, { key: KEY });
    expect([res.status, res.json.code]).toEqual([status, code]);
    expect(documented(status)).toContain(code);
    expect(bus.events).toEqual([]);
    expect((await call(deps, 'GET', `/dead-letters/${id}`, { key: KEY })).json).toMatchObject({ kind: 'eventbridge', replays: 0 });
  });

  test('a dead letter of another tenant than cloud-findings\' is not published into it: 422', async () => {
    const { deps, bus } = setup();
    const { id } = await keepDeadLetter(deps, { tenant: 'acme', kind: 'eventbridge', reason, body: JSON.stringify(importedEvent()) });
    const res = await call(deps, 'POST', `/dead-letters/${id}/replay`);
    expect([res.status, res.json.code]).toEqual([422, 'still_invalid']);
    expect(bus.events).toEqual([]);
  });

  test('the list filter takes the kind; the document lists it', async () => {
    const { deps } = setup();
    expect((await call(deps, 'GET', '/dead-letters?kind=eventbridge', { key: KEY })).status).toBe(200);
    expect((await call(deps, 'GET', '/dead-letters?kind=lambda', { key: KEY })).json.detail).toContain('eventbridge');
    const param = apiPaths['/dead-letters'].get.parameters.find((p) => p.name === 'kind') as { schema: { enum: string[] } };
    expect(param.schema.enum).toContain('eventbridge');
  });
  test('shown without the credentials a resource carries (bodyRedacted); the stored event, which a replay maps, is whole', async () => {
    const { deps, bus } = setup();
    const lambda = { Type: 'AwsLambdaFunction', Id: 'arn:aws:lambda:us-east-1:123456789012:function:billing', Details: { AwsLambdaFunction: { FunctionName: 'billing', Environment: { Variables: { DB_PASSWORD: 'hunter2' } } } } };
    const event = importedEvent([{ ...guardDutyAsff(), Resources: [lambda] }]);
    const { id } = await keepDeadLetter(deps, { tenant: 'default', kind: 'eventbridge', reason, body: JSON.stringify(event) });
    const shown = (await call(deps, 'GET', `/dead-letters/${id}`, { key: KEY })).json;
    expect(shown).toMatchObject({ kind: 'eventbridge', bodyRedacted: true, encoding: 'utf8' });
    expect(shown.body).not.toContain('hunter2');
    expect(JSON.parse(shown.body).detail.findings[0].Resources[0].Details.AwsLambdaFunction.FunctionName).toBe('billing');
    expect((await call(deps, 'POST', `/dead-letters/${id}/replay`, { key: KEY })).status).toBe(202);
    expect(bus.events).toHaveLength(1);
  });
});

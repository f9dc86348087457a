import fc from 'fast-check';
import type { Delivery } from '../model';
import { leasedText, leaseVersion } from './owned';

const record = (over: Partial<Delivery> = {}): Delivery => ({
  id: 'msg_01KB0000000000000000000000', tenant: 'default', subscriptionId: 'sub_1', eventId: 'e-1', eventSource: 'scanner',
  eventType: 'secorch.finding.created', status: 'pending', attempts: [], nextAttemptAt: '2026-01-01T00:00:00.000Z',
  createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', ...over,
});

/** What the lease write stored before leasedText: the parsed record, without its old lease, with the new one. */
const reference = (text: string, until: number) => {
  const { lease: _old, ...rest } = JSON.parse(text) as Delivery & { lease?: unknown };
  return JSON.parse(JSON.stringify(Object.assign({}, rest, { lease: { until } }))) as unknown;
};

describe('leasedText', () => {
  it('appends the lease to the stored text of a record read without one', () => {
    const r = record();
    const text = JSON.stringify(r);
    const out = leasedText(text, true, r, 1_767_225_660_000);
    expect(out).toBe(`${text.slice(0, -1)},"lease":{"until":1767225660000}}`);
    expect(JSON.parse(out)).toEqual({ ...r, lease: { until: 1_767_225_660_000 } });
  });

  it('is the same JSON value as serialising the record with the lease, for any record and bound', () => {
    const attempt = fc.record({ n: fc.nat(), at: fc.string(), status: fc.option(fc.integer(), { nil: undefined }), durationMs: fc.nat(), responseBody: fc.option(fc.string({ unit: 'binary' }), { nil: undefined }) });
    fc.assert(fc.property(
      fc.string({ unit: 'binary' }), fc.array(attempt, { maxLength: 3 }), fc.option(fc.string({ unit: 'binary' }), { nil: undefined }), fc.integer({ min: 0, max: 2 ** 52 }),
      (eventId, attempts, lastError, until) => {
        const r = record({ eventId, attempts, lastError });
        const text = JSON.stringify(r);
        expect(JSON.parse(leasedText(text, true, r, until))).toEqual(reference(text, until));
      },
    ), { numRuns: 300 });
  });

  it('replaces an expired lease rather than adding a second one', () => {
    const r = record();
    const text = JSON.stringify({ ...r, lease: { until: 5 } });
    const out = leasedText(text, false, r, 99);
    expect(out.match(/"lease"/g)).toHaveLength(1);
    expect(JSON.parse(out)).toEqual({ ...r, lease: { until: 99 } });
  });

  it('serialises in full what it cannot append to: text not ending in a brace, a bound that is no finite number', () => {
    const r = record();
    expect(JSON.parse(leasedText(`${JSON.stringify(r)}\n`, true, r, 7))).toEqual({ ...r, lease: { until: 7 } });
    // A template would write NaN, which is no JSON; serialising writes null, as it always did.
    expect(JSON.parse(leasedText(JSON.stringify(r), true, r, NaN))).toEqual({ ...r, lease: { until: null } });
    expect(JSON.parse(leasedText(JSON.stringify(r), true, r, Infinity))).toEqual({ ...r, lease: { until: null } });
  });
});

describe('leaseVersion', () => {
  it('never repeats within a process, nor across processes (each draws its own prefix), and fits every store', () => {
    const here = Array.from({ length: 10_000 }, leaseVersion);
    expect(new Set(here).size).toBe(here.length);
    // A second copy of the module stands for another worker process.
    let other: () => string = leaseVersion;
    jest.isolateModules(() => {
      other = (jest.requireActual('./owned') as typeof import('./owned')).leaseVersion;
    });
    expect(other).not.toBe(leaseVersion);
    const there = Array.from({ length: 10_000 }, other);
    const seen = new Set(here);
    expect(there.filter((v) => seen.has(v))).toEqual([]);
    // checkPutOptions: a non-empty string of at most 64 characters.
    for (const v of [...here, ...there]) expect(v.length).toBeGreaterThan(0);
    expect(Math.max(...here.map((v) => v.length))).toBeLessThanOrEqual(64);
  });
});

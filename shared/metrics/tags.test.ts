import { fixedClock } from '../ports/clock';
import { lineMetrics } from '.';
import { MAX_NAMES, MAX_SERIES, MAX_TAGS, MAX_VALUES, OTHER, tagGuard } from './tags';

describe('metric tags stay low-cardinality and free of secrets', () => {
  test('identifiers become "other": UUIDs, long numbers, hashes and ULIDs; configuration names and error codes stay', () => {
    const check = tagGuard();
    const tags = (value: string) => check('m', { v: value })!.v;
    for (const id of ['6f1c0e2a-8b1d-4c3e-9f00-1a2b3c4d5e6f', '1767225600000', '123456789012', 'da39a3ee5e6b4b0d3255bfef95601890afd80709', '01HZX3J9K7M2N4P6Q8R0S2T4V6']) {
      expect(tags(id)).toBe(OTHER);
    }
    for (const name of ['github', 'signature_invalid', 'Security Hub Findings - Imported', 'aws.securityhub', 'jira-prod', '(unknown)', 'true', 'github2024webhooks']) {
      expect(tags(name)).toBe(name);
    }
  });

  test('text that is not short printable ASCII becomes "other"', () => {
    const check = tagGuard();
    expect(check('m', { a: '', b: '   ', c: 'x'.repeat(129), d: 'caf\u00e9', e: 'a\nb' })).toEqual({ a: OTHER, b: OTHER, c: OTHER, d: OTHER, e: OTHER });
  });

  test('after MAX_VALUES distinct values of one tag, new values are "other"; values seen before keep their name', () => {
    const check = tagGuard();
    for (let i = 0; i < MAX_VALUES; i += 1) expect(check('webhooks.rejected', { source: `s${i}` })!.source).toBe(`s${i}`);
    expect(check('webhooks.rejected', { source: 'one-more' })!.source).toBe(OTHER);
    expect(check('webhooks.rejected', { source: 's7' })!.source).toBe('s7');
    // Counted per metric and tag: another metric still has room.
    expect(check('webhooks.accepted', { source: 'one-more' })!.source).toBe('one-more');
  });

  test('tag values each within their cap still make at most MAX_SERIES combinations per metric; later new ones are all "other"', () => {
    const check = tagGuard();
    // EventBridge events choose both tags of cloudfindings.*: 60 x 60 values, each under MAX_VALUES.
    const series = new Set<string>();
    for (let s = 0; s < 60; s += 1) {
      for (let d = 0; d < 60; d += 1) series.add(JSON.stringify(check('cloudfindings.skipped', { source: `src${s}`, detailType: `type${d}` })));
    }
    expect(series.size).toBeLessThanOrEqual(MAX_SERIES + 1);
    expect(series).toContain(JSON.stringify({ source: OTHER, detailType: OTHER }));
    // A combination seen before keeps its values.
    expect(check('cloudfindings.skipped', { source: 'src0', detailType: 'type0' })).toEqual({ source: 'src0', detailType: 'type0' });
  });

  test('at most MAX_NAMES metric names are kept; a later new name is refused, one seen before is not', () => {
    const check = tagGuard();
    for (let i = 0; i < MAX_NAMES; i += 1) expect(check(`m.${i}`, undefined)).toEqual({});
    expect(check('m.one-more', undefined)).toBeUndefined();
    expect(check('m.0', { a: 'b' })).toEqual({ a: 'b' });
  });

  test('refused names are warned about once each, and at most MAX_NAMES times in all', () => {
    const warned: unknown[] = [];
    const metrics = lineMetrics({ format: 'json', namespace: 'Secorch', clock: fixedClock(0), write: () => undefined, runtime: 'test', warn: (_m, f) => void warned.push(f) });
    for (let i = 0; i < MAX_NAMES * 3; i += 1) metrics.count(`_bad ${i}`);
    metrics.count('_bad 0');
    expect(warned).toHaveLength(MAX_NAMES);
  });

  test('the log redaction applies: a secret-named tag and a credential-shaped value are never written', () => {
    const lines: string[] = [];
    const metrics = lineMetrics({ format: 'emf', namespace: 'Secorch', clock: fixedClock(0), write: (l) => lines.push(l), runtime: 'test' });
    metrics.count('m', 1, { token: 'abc', reason: 'Bearer eyJhbGciOi.payload.sig', url: 'https://u:pw@host/x?sig=1' });
    expect(lines.join('')).not.toMatch(/abc|eyJhbGciOi|pw@|sig=1/);
    const doc = JSON.parse(lines[0]!) as Record<string, string>;
    expect(doc.token).toBe('[redacted]');
  });

  test('a metric keeps at most MAX_TAGS distinct tag names: names a call site makes up cannot multiply dimension sets', () => {
    const check = tagGuard();
    const sets = new Set<string>();
    for (let i = 0; i < 1000; i += 1) sets.add(Object.keys(check('m', { source: 'github', [`k${i}`]: 'v' })!).join(','));
    // Each distinct set of names is a metric of its own in CloudWatch, whatever the values.
    expect(sets.size).toBeLessThanOrEqual(MAX_TAGS);
    expect(check('m', { source: 'github', k0: 'v' })).toEqual({ source: 'github', k0: 'v' });
    expect(check('m', { source: 'github', 'k-new': 'v' })).toEqual({ source: 'github' });
  });

  test('tag names that cannot be dimensions or labels are dropped', () => {
    expect(tagGuard()('m', { ok: 'a', 'bad key': 'b', _aws: 'c', '': 'd', ['k'.repeat(65)]: 'e' })).toEqual({ ok: 'a' });
  });
});

import type { ObjectMoveOptions } from '../../shared/ports';
import { jsonLogger } from '../../shared/log/json-logger';
import { fixtureBytes } from '../../test/fixtures';
import { INVALID_SARIF, ingestDeps } from './ingest.testkit';
import { identityOf } from './idempotency';
import { ingestObject } from './ingest';
import { quarantine } from './quarantine';

// A good report uploaded under the key of a refused one while it is being quarantined: the new
// report must stay under its key, and its own notification must ingest it. The in-memory store's
// identity of an object is its etag, the SHA-256 of its content (idempotency.ts identityOf); each
// provider's own test shows its store enforcing the same conditions.
const TRIVY = 'scanner/trivy-alpine-310.json';
const ref = (key: string) => ({ bucket: 'reports', key, eventTime: '2026-01-01T00:00:00.000Z' });
const keys = (t: ReturnType<typeof ingestDeps>) => [...t.objects.buckets.get('reports')!.keys()].sort();
const text = (t: ReturnType<typeof ingestDeps>, key: string) => Buffer.from(t.objects.buckets.get('reports')!.get(key)!.body).toString('utf8');

describe('quarantine races a new upload under the same key', () => {
  test('replaced between the head and the move: the new report is neither quarantined nor deleted, and its own notification ingests it', async () => {
    const t = ingestDeps();
    await t.put('reports', 'scans/nightly.sarif', INVALID_SARIF);
    const move = t.objects.move.bind(t.objects);
    const moves: { opts: ObjectMoveOptions | undefined; result: string }[] = [];
    t.objects.move = async (bucket, from, to, opts) => {
      // quarantine() has seen the refused report with head; the fixed report lands now.
      if (moves.length === 0) await t.put('reports', 'scans/nightly.sarif', TRIVY);
      const result = await move(bucket, from, to, opts);
      moves.push({ opts, result });
      return result;
    };

    const lines: Record<string, unknown>[] = [];
    t.deps.logger = jsonLogger({ clock: t.deps.clock, write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) });

    await expect(ingestObject(ref('scans/nightly.sarif'), t.deps)).resolves.toMatchObject({ status: 'failed', code: 'report_invalid' });
    expect(moves).toEqual([{ opts: { ifMatch: expect.any(String), ifVersion: expect.any(String) }, result: 'changed' }]);
    // The log does not claim a quarantine that did not happen.
    const refused = lines.find((l) => l.msg === 'report refused');
    expect(refused).toMatchObject({ code: 'report_invalid', quarantine: 'skipped: the key holds another object now' });
    expect(refused).not.toHaveProperty('quarantinedTo');
    // Nothing was quarantined; the key holds the new report, byte for byte.
    expect(keys(t)).toEqual(['scans/nightly.sarif']);
    expect(text(t, 'scans/nightly.sarif')).toBe(Buffer.from(fixtureBytes(TRIVY)).toString('utf8'));
    expect(t.findings()).toHaveLength(0);

    // The new report's own notification.
    await expect(ingestObject(ref('scans/nightly.sarif'), t.deps)).resolves.toMatchObject({ status: 'ingested', findings: 4 });
    expect(t.findings()).toHaveLength(4);
    expect(keys(t)).toEqual(['scans/nightly.sarif']);
    // One refusal (the invalid report) and two outcomes, each for its own content.
    expect(t.system('failed')).toHaveLength(1);
    expect(t.system('completed').map((e) => (e.data as { outcome: string }).outcome)).toEqual(['failed', 'ingested']);
    // A redelivery of that notification publishes nothing new.
    await expect(ingestObject(ref('scans/nightly.sarif'), t.deps)).resolves.toMatchObject({ status: 'duplicate' });
    expect(t.findings()).toHaveLength(4);
  });

  test('without the conditions (the old unconditional move), the same race loses the new report', async () => {
    const t = ingestDeps();
    await t.put('reports', 'scans/nightly.sarif', INVALID_SARIF);
    const move = t.objects.move.bind(t.objects);
    let replaced = false;
    t.objects.move = async (bucket, from, to) => {
      if (!replaced) await t.put('reports', 'scans/nightly.sarif', TRIVY);
      replaced = true;
      return move(bucket, from, to);
    };
    await ingestObject(ref('scans/nightly.sarif'), t.deps);
    // The good report sits in quarantine, and its notification finds nothing to read.
    expect(keys(t)).toEqual(['quarantine/scans/nightly.sarif']);
    await expect(ingestObject(ref('scans/nightly.sarif'), t.deps)).resolves.toMatchObject({ status: 'missing' });
    expect(t.findings()).toHaveLength(0);
  });

  test('replaced between the copy and the delete (the store answers copied): the refused report is in quarantine, the new one is ingested', async () => {
    const t = ingestDeps();
    const judged = await t.put('reports', 'a.sarif', INVALID_SARIF);
    const move = t.objects.move.bind(t.objects);
    // A cloud store's copy, then the upload, then its conditional delete refusing (412).
    t.objects.move = async (bucket, from, to, opts) => {
      expect(opts).toEqual({ ifMatch: judged.etag, ifVersion: judged.version });
      await t.objects.put(bucket, to, (await t.objects.get(bucket, from))!);
      await t.put('reports', 'a.sarif', TRIVY);
      expect(await move(bucket, from, `${to}.never`, opts)).toBe('changed');
      return 'copied';
    };
    await expect(ingestObject(ref('a.sarif'), t.deps)).resolves.toMatchObject({ status: 'failed', code: 'report_invalid' });
    expect(keys(t)).toEqual(['a.sarif', 'quarantine/a.sarif']);
    expect(text(t, 'quarantine/a.sarif')).toBe(Buffer.from(fixtureBytes(INVALID_SARIF)).toString('utf8'));
    await expect(ingestObject(ref('a.sarif'), t.deps)).resolves.toMatchObject({ status: 'ingested', findings: 4 });
  });

  test('quarantine() answers false when the key was replaced, true when it moved the object', async () => {
    const t = ingestDeps();
    const first = await t.objects.put('reports', 'k', 'bad');
    await t.objects.put('reports', 'k', 'good');
    expect(await quarantine(t.objects, 'reports', 'k', 'quarantine/k', identityOf(first))).toBe(false);
    const now = (await t.objects.head('reports', 'k'))!;
    expect(await quarantine(t.objects, 'reports', 'k', 'quarantine/k', identityOf(now))).toBe(true);
    expect(keys(t)).toEqual(['quarantine/k']);
  });
});

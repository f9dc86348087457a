import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedClock } from '../../shared/ports/clock';
import { openDatabase } from './sqlite';
import { sqliteStore } from './sqlite-store';

const START = Date.parse('2026-01-01T00:00:00Z');
const dirs: string[] = [];
const tempPath = () => {
  const dir = mkdtempSync(join(tmpdir(), 'secorch-store-group-'));
  dirs.push(dir);
  return join(dir, 'state.db');
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** WAL frames written so far: each commit appends its pages (4 KiB) with a 24-byte frame header after a 32-byte file header. */
const walFrames = (path: string) => Math.max(0, ((statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0) - 32) / (4096 + 24));

/** A replay claim as webhook ingress writes it: two keys, both only if absent. */
const claim = (id: string) => [
  { key: `webhook:default:github:${id}`, value: '{"state":"pending"}', opts: { ttlSeconds: 60, ifAbsent: true } },
  { key: `webhook:default:github:sig:${id}`, value: '{"state":"pending"}', opts: { ttlSeconds: 60, ifAbsent: true } },
];

describe('sqliteStore group commit', () => {
  it('commits the writes called during one turn together: far fewer WAL pages than a commit each', async () => {
    const path = tempPath();
    const store = sqliteStore({ path, clock: fixedClock(START) });
    await store.put('warm', 'v'); // the table and index pages exist: what follows is rows only
    const before = walFrames(path);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.putAll(claim(`d${i}`))));
    expect(results).toEqual(Array(20).fill(true));
    // One commit per claim wrote at least two pages each (the row's table and key index leaves):
    // 40 or more frames. One commit for all twenty writes each touched page once.
    expect(walFrames(path) - before).toBeLessThan(10);
    for (let i = 0; i < 20; i++) expect((await store.get(`webhook:default:github:d${i}`))?.value).toBe('{"state":"pending"}');
    store.close();
  });

  it('gives each batch of a shared commit its own outcome: a failed condition rolls back that batch only', async () => {
    const store = sqliteStore({ path: tempPath(), clock: fixedClock(START) });
    await store.put('webhook:default:github:sig:taken', 'earlier');
    const [first, copy, partlyTaken, plain] = await Promise.all([
      store.putAll(claim('a')),
      store.putAll(claim('a')), // a concurrent copy of the same delivery, in the same turn
      store.putAll(claim('taken')), // its delivery-id key is free, its signature key is not
      store.put('other', 'v', { ifAbsent: true }),
    ]);
    expect([first, copy, partlyTaken, plain]).toEqual([true, false, false, true]);
    expect((await store.get('webhook:default:github:taken'))).toBeUndefined();
    expect((await store.get('webhook:default:github:sig:taken'))?.value).toBe('earlier');
    expect((await store.get('webhook:default:github:a'))?.value).toBe('{"state":"pending"}');
    expect((await store.get('other'))?.value).toBe('v');
    store.close();
  });

  it('fails only the batch that SQLite refuses, not the others committed with it', async () => {
    const store = sqliteStore({ path: tempPath(), clock: fixedClock(START) });
    const outcomes = await Promise.allSettled([
      store.putAll(claim('good1')),
      // value is NOT NULL: SQLite refuses the row (a type the port forbids, sent anyway).
      store.putAll([{ key: 'bad', value: null as unknown as string }, { key: 'bad2', value: 'v' }]),
      store.put('good2', 'v'),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await store.get('webhook:default:github:good1'))?.value).toBe('{"state":"pending"}');
    expect((await store.get('good2'))?.value).toBe('v');
    expect(await store.get('bad2')).toBeUndefined();
    store.close();
  });

  it('lets every read, delete and close see the writes called before it, committed or not', async () => {
    const path = tempPath();
    const store = sqliteStore({ path, clock: fixedClock(START) });
    const put = store.put('k', 'v');
    expect((await store.get('k'))?.value).toBe('v');
    expect(await put).toBe(true);
    void store.put('gone', 'v');
    await store.delete('gone');
    expect(await store.get('gone')).toBeUndefined();
    void store.put('p:1', 'a');
    expect((await store.list('p:')).items.map((i) => i.key)).toEqual(['p:1']);
    const last = store.put('at-close', 'v');
    store.close();
    expect(await last).toBe(true);
    const db = openDatabase(path);
    expect(db.prepare("SELECT value FROM kv_items WHERE key = 'at-close'").pluck().get()).toBe('v');
    db.close();
  });

  it('writes what each call was given when it was made, not what its objects hold by the commit', async () => {
    // The commit comes a turn later: a caller that reuses its options or write objects meanwhile
    // must not change what was written (nor slip a value past the checks), as on every other store.
    const store = sqliteStore({ path: tempPath(), clock: fixedClock(START) });
    await store.put('taken', 'first');
    const opts: { ifAbsent?: boolean; ttlSeconds?: number } = {};
    const put = store.put('taken', 'second', opts);
    opts.ifAbsent = true;
    const write = { key: 'w', value: 'a', opts: { ttlSeconds: 60 } };
    const putAll = store.putAll([write]);
    write.value = 'b';
    write.opts.ttlSeconds = Number.NaN;
    expect([await put, await putAll]).toEqual([true, true]);
    expect((await store.get('taken'))?.value).toBe('second');
    expect(await store.get('w')).toMatchObject({ value: 'a', expiresAt: START + 60_000 });
    store.close();
  });

  it('acknowledges nothing before it is committed: another connection sees a write once its promise resolves', async () => {
    const path = tempPath();
    const clock = fixedClock(START);
    const [writer, reader] = [sqliteStore({ path, clock }), sqliteStore({ path, clock })];
    const written = writer.putAll(claim('seen'));
    await written;
    expect((await reader.get('webhook:default:github:seen'))?.value).toBe('{"state":"pending"}');
    writer.close();
    reader.close();
  });
});

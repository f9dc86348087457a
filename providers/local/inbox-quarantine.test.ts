import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestDeps } from '../../functions/storage-ingest/ingest.testkit';
import { AppError } from '../../shared/errors';
import type { ObjectStorage } from '../../shared/ports';
import { fixtureBytes, fixturePath } from '../../test/fixtures';
import { inbox } from './inbox';
import type { InboxEntry } from './inbox-files';
import { setAside } from './inbox-quarantine';
import { dirObjects } from './objects-dir';

/**
 * The inbox sets aside only the file it judged: a report saved over it (by an editor, a copy, a
 * scanner's next run) between the poll's stat and the move stays in the inbox and is read on a
 * later poll. Real folder, real folder store.
 */
const TRIVY = 'scanner/trivy-alpine-310.json';
let root: string;
let dir: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'secorch-inbox-quarantine-'));
  dir = join(root, 'inbox');
  await mkdir(dir);
});
afterEach(() => rm(root, { recursive: true, force: true }));

/** Saves over `name` as editors do (a temp file renamed into place), with a later mtime. */
async function saveOver(name: string, body: Uint8Array | string) {
  await writeFile(join(dir, `.${name}.tmp`), body);
  const later = new Date(Date.now() + 60_000);
  await utimes(join(dir, `.${name}.tmp`), later, later);
  await rename(join(dir, `.${name}.tmp`), join(dir, name));
}

const entry = (key: string): InboxEntry => ({ rel: key, key, escaped: key, path: Buffer.from(join(dir, key)) });
const refusal = new AppError('test_refused', 'refused for the test', { status: 400, retryable: false });

describe('setAside', () => {
  const aside = (objects: ObjectStorage) => ({ deps: { ...ingestDeps().deps, objects }, dir, bucket: 'inbox', quarantinePrefix: 'quarantine/', tenant: 'default' });

  test('moves the file the poll judged', async () => {
    await writeFile(join(dir, 'r.json'), 'bad');
    const st = await stat(join(dir, 'r.json'));
    await expect(setAside(aside(dirObjects({ root })), entry('r.json'), st, refusal)).resolves.toBe('quarantine/r.json');
    expect(await readdir(dir)).toEqual(['quarantine']);
    expect(await readFile(join(dir, 'quarantine', 'r.json'), 'utf8')).toBe('bad');
  });

  test('a second file set aside under the same name goes beside the first, which is kept', async () => {
    const objects = dirObjects({ root });
    await writeFile(join(dir, 'r.json'), 'bad one');
    await expect(setAside(aside(objects), entry('r.json'), await stat(join(dir, 'r.json')), refusal)).resolves.toBe('quarantine/r.json');
    await writeFile(join(dir, 'r.json'), 'bad two, the next night');
    const second = await setAside(aside(objects), entry('r.json'), await stat(join(dir, 'r.json')), refusal);
    expect(second).toMatch(/^quarantine\/r\.json\.[0-9a-f]{12}$/);
    expect(await readFile(join(dir, 'quarantine', 'r.json'), 'utf8')).toBe('bad one');
    expect(await readFile(join(dir, ...second.split('/')), 'utf8')).toBe('bad two, the next night');
  });

  test('a file saved over it after the stat stays, and inbox_file_changed (retryable) says why', async () => {
    await writeFile(join(dir, 'r.json'), 'bad');
    const st = await stat(join(dir, 'r.json'));
    await saveOver('r.json', 'new and good');
    const err = await setAside(aside(dirObjects({ root })), entry('r.json'), st, refusal).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'inbox_file_changed', retryable: true, extra: { file: 'r.json', move: 'changed' } });
    expect(await readdir(dir)).toEqual(['r.json']);
    expect(await readFile(join(dir, 'r.json'), 'utf8')).toBe('new and good');
  });

  test('a file saved over it between the head and the move: the conditional move leaves it', async () => {
    await writeFile(join(dir, 'r.json'), 'bad');
    const st = await stat(join(dir, 'r.json'));
    const objects = dirObjects({ root });
    const move = objects.move.bind(objects);
    objects.move = async (...args) => {
      await saveOver('r.json', 'new and good');
      return move(...args);
    };
    await expect(setAside(aside(objects), entry('r.json'), st, refusal)).rejects.toMatchObject({ code: 'inbox_file_changed', extra: { move: 'changed' } });
    expect(await readdir(dir)).toEqual(['r.json']);
    expect(await readFile(join(dir, 'r.json'), 'utf8')).toBe('new and good');
  });

  test('a file removed meanwhile: inbox_file_changed naming it removed', async () => {
    await writeFile(join(dir, 'r.json'), 'bad');
    const st = await stat(join(dir, 'r.json'));
    await rm(join(dir, 'r.json'));
    await expect(setAside(aside(dirObjects({ root })), entry('r.json'), st, refusal)).rejects.toMatchObject({ code: 'inbox_file_changed', extra: { move: 'absent' }, message: expect.stringContaining('removed') });
  });
});

test('through the inbox: a refused file replaced before it is set aside stays, and the next polls ingest the new report', async () => {
  const t = ingestDeps();
  const objects = dirObjects({ root });
  const head = objects.head.bind(objects);
  let refused = false;
  // The first look at the file refuses it for good; the user saves the fixed report right then.
  objects.head = async (bucket, key) => {
    if (refused) return head(bucket, key);
    refused = true;
    await saveOver('scan.json', fixtureBytes(TRIVY));
    throw refusal;
  };
  const w = inbox({ deps: { ...t.deps, objects }, dir });
  await copyFile(fixturePath('scanner/codeql-action-invalid-sarif.sarif'), join(dir, 'scan.json'));
  const results = [];
  for (let i = 0; i < 5; i++, t.clock.advance(6000)) results.push(...(await w.poll()));
  expect(results).toEqual([
    { file: 'scan.json', error: 'test_refused' },
    { file: 'scan.json', result: expect.objectContaining({ status: 'ingested', findings: 4 }) },
  ]);
  expect(t.findings()).toHaveLength(4);
  // Nothing in quarantine: the new report was read and archived (.secorch-meta: the store's sidecars).
  expect((await readdir(dir)).filter((f) => !f.startsWith('.secorch-'))).toEqual(['.processed']);
  expect(await readdir(join(dir, '.processed'))).toEqual(['scan.json']);
});

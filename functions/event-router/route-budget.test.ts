import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failedIds, runBatch } from '../../shared/batch/runner';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { jsonLogger } from '../../shared/log/json-logger';
import { testDeps } from '../../test/deps';
import { eventRouter } from './handler';

/**
 * A route's filter whose work grows with the event (400 UPPER(x)) runs out of its work budget
 * (shared/routing/cesql/budget.ts) on a 64 KiB attribute: the route does not take the event, the
 * log says which route, and the other routes are unaffected.
 */
const hungry = `CONCAT(${Array(400).fill('UPPER(x)').join(', ')}) <> ''`;

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'router-budget-'));
  const paths = { all: join(dir, 'all.jsonl'), hungry: join(dir, 'hungry.jsonl') };
  const t = testDeps({
    routes: [
      { name: 'everything', filter: { prefix: { type: '' } }, to: ['all'] },
      { name: 'upper-x', filter: { sql: hungry }, to: ['hungry'] },
    ],
    destinations: { all: { type: 'file', path: paths.all }, hungry: { type: 'file', path: paths.hungry } },
  });
  const lines: Record<string, unknown>[] = [];
  t.deps.logger = jsonLogger({ clock: t.deps.clock, write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
  return { deps: t.deps, paths, lines };
}

const ids = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as CloudEvent).id) : []);
const event = (id: string, x: string): CloudEvent => ({ specversion: '1.0', id, source: 'test/budget', type: 'secorch.test', tenant: 'default', x });

test('a route whose filter runs out of its work budget skips the event with a warning naming the route', async () => {
  const { deps, paths, lines } = setup();
  const outcomes = await runBatch(
    [event('small', 'abc'), event('large', 'a'.repeat(64 * 1024))].map((e) => ({ id: e.id, body: JSON.stringify(e), attributes: {} })),
    eventRouter, deps,
  );
  expect(failedIds(outcomes)).toEqual([]);
  expect(ids(paths.all)).toEqual(['small', 'large']);
  // The same filter matches the small event: only the budget keeps the large one out.
  expect(ids(paths.hungry)).toEqual(['small']);
  const warned = lines.filter((l) => l.msg === 'route filter ran out of its work budget; the route does not take this event');
  expect(warned).toEqual([expect.objectContaining({ level: 'warn', route: 'upper-x', eventId: 'large' })]);
  expect(JSON.stringify(warned[0]!.error)).toContain('filter_budget_exceeded');
});

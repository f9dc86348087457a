import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Naming `Response`, `Request`, `Headers` or `fetch` makes Node load its whole fetch
 * implementation, about 20 ms of a cold start on the development machines. The functions
 * without an HTTP trigger must not pay it when they load: they may never build a Response.
 * Each module is loaded in a fresh Node process (through tsx, as the sources are TypeScript)
 * whose globals report the first read of any of those names.
 */
const ROOT = join(__dirname, '..');
const WITHOUT_HTTP = [
  'providers/aws/functions/event-router.ts',
  'providers/aws/functions/webhook-delivery.ts',
  'providers/aws/functions/scheduler.ts',
  'providers/aws/functions/storage-ingest.ts',
  'providers/aws/functions/cloud-findings.ts',
  'providers/gcp/functions/event-router.ts',
  'providers/gcp/functions/webhook-delivery.ts',
  'providers/local/functions/router-worker.ts',
];

const TRAP = `
for (const name of ['Response', 'Request', 'Headers', 'fetch']) {
  const own = Object.getOwnPropertyDescriptor(globalThis, name);
  Object.defineProperty(globalThis, name, {
    configurable: true,
    get() {
      console.log('read ' + name + ' ' + new Error().stack.split('\\n').slice(2, 4).map((s) => s.trim()).join(' < '));
      Object.defineProperty(globalThis, name, own);
      return own.get ? own.get.call(globalThis) : own.value;
    },
  });
}
require('tsx/cjs');
require(process.argv[1]);
console.log('loaded');
`;

test.each(WITHOUT_HTTP)('%s loads without Node\'s fetch implementation', (file) => {
  const run = spawnSync(process.execPath, ['-e', TRAP, join(ROOT, file)], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  expect(run.stderr).not.toMatch(/Error/);
  // The reads, with where they came from, are the message when this fails.
  expect(run.stdout.split('\n').filter((l) => l.startsWith('read '))).toEqual([]);
  expect(run.stdout).toContain('loaded');
});

test('the trap sees a module that names Response when it loads', () => {
  const run = spawnSync(process.execPath, ['-e', TRAP, join(ROOT, 'shared/http/body.ts')], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  expect(run.stdout).toContain('loaded');
  // body.ts builds no Response at load either; the check must still see one built on purpose.
  const built = spawnSync(process.execPath, ['-e', `${TRAP}; require(process.argv[1]).json({ ok: true }, 200);`, join(ROOT, 'shared/http/body.ts')], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  expect(built.stdout).toMatch(/^read Response /m);
});

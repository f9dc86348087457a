import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startVendorServer } from '../support/vendor-server';
import { ROUTES, STATUS, startFakeJira } from '../../shared/connectors/jira/vendor.testkit';
import { fakeInstance } from '../../shared/connectors/servicenow/instance.testkit';
import type { CloudEvent } from '../../shared/events/cloudevent';

/**
 * The issue's duplicate test with a real crash: each delivery runs in its own process on a
 * shared SQLite state store, against a local server speaking the vendor's API. The same finding
 * event is delivered once with the process SIGKILLed right after the create call (the ticket
 * exists, the record says "creating"), again while that attempt's lease runs (refused,
 * retryable), then three times after the lease: exactly one ticket, one create call. A later
 * `resolved` event for the finding closes that same ticket.
 */
const START = Date.parse('2030-01-01T10:00:00Z');
const LEASE_MS = 120_000;

const finding = (id: string, transition: 'created' | 'resolved'): CloudEvent => ({
  specversion: '1.0', id, source: '//secorch/webhooks/github', type: `secorch.finding.${transition}`, subject: 'gh:acme/api:code-scanning:42',
  tenant: 'acme', origin: 'webhook:github', time: new Date(START).toISOString(),
  data: { severity: 'High', finding_info: { uid: 'gh:acme/api:code-scanning:42', title: 'SQL injection in /search' } },
});

/** One delivery in a child process (async: the vendor server answering it lives in this process). */
function deliver(storePath: string, clockMs: number, destination: unknown, event: CloudEvent, dieAfter?: string) {
  const input = JSON.stringify({ storePath, clockMs, destination, event, dieAfter });
  return new Promise<{ status: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'ticket-worker.ts'), input], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('close', (status, signal) => done({ status, signal, out, err })) // after stdout is drained;
  });
}

async function scenario(opts: { destination: (url: string) => unknown; createRoute: string; tickets: () => number; creates: () => number; vendorUrl: string; setNow: (ms: number) => void }) {
  const store = join(mkdtempSync(join(tmpdir(), 'tickets-kill-')), 'state.db');
  const dest = opts.destination(opts.vendorUrl);
  const at = (ms: number) => (opts.setNow(ms), ms);

  const killed = await deliver(store, at(START), dest, finding('e1', 'created'), opts.createRoute);
  expect(killed.signal).toBe('SIGKILL');
  expect(opts.tickets()).toBe(1);

  const during = await deliver(store, at(START + 10_000), dest, finding('e1', 'created'));
  expect(during.status).toBe(3);
  expect(JSON.parse(during.out)).toMatchObject({ code: 'ticket_in_progress' });

  for (let i = 0; i < 3; i++) {
    const r = await deliver(store, at(START + LEASE_MS + 10_000 + i * 1000), dest, finding('e1', 'created'));
    expect({ status: r.status, err: r.err.slice(0, 300) }).toEqual({ status: 0, err: '' });
  }
  expect(opts.tickets()).toBe(1);
  expect(opts.creates()).toBe(1);

  const resolved = await deliver(store, at(START + LEASE_MS + 60_000), dest, finding('e2', 'resolved'));
  expect(resolved.status).toBe(0);
}

test('Jira: killed right after the create, redelivered: one issue, and resolved transitions it', async () => {
  let now = START;
  const jira = await startFakeJira({ clock: { now: () => now }, indexLagMs: 5_000 });
  try {
    await scenario({
      vendorUrl: jira.vendor.url,
      destination: (url) => ({ type: 'jira', baseUrl: url, email: 'bot@example.com', apiToken: 'jira-token', project: 'SEC', issueType: 'Bug' }),
      createRoute: ROUTES.create,
      tickets: () => jira.issues.length,
      creates: () => jira.vendor.requestsTo(ROUTES.create).length,
      setNow: (ms) => void (now = ms),
    });
    expect(jira.issues[0]!.fields.status).toEqual(STATUS.done);
  } finally {
    await jira.close();
  }
}, 120_000);

test('ServiceNow: killed right after the create, redelivered: one incident, and resolved resolves it', async () => {
  let now = START;
  const vendor = await startVendorServer();
  const sn = fakeInstance(vendor, { clock: { now: () => now } });
  try {
    await scenario({
      vendorUrl: vendor.url,
      destination: (url) => ({ type: 'servicenow', instanceUrl: url, auth: { type: 'basic', username: 'svc', password: 'pw' } }),
      createRoute: 'POST /api/now/table/incident',
      tickets: () => sn.rows.length,
      creates: () => vendor.requests.filter((r) => r.method === 'POST' && r.path === '/api/now/table/incident').length,
      setNow: (ms) => void (now = ms),
    });
    expect(sn.rows[0]).toMatchObject({ state: '6' });
  } finally {
    await vendor.close();
  }
}, 120_000);

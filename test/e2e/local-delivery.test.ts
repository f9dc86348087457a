import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { freePort, freePorts } from '../emulators/spawn';
import { output, startServer, stopServer, until, waitHealthy } from './server';

/**
 * The README's outbound walk-through, through the real `npm start` (serverless-offline, the
 * SQLite store and the delivery worker beside it): create a subscription to a receiver on
 * 127.0.0.1 (allowed in config), POST /events, the receiver gets the signed delivery within 2 s;
 * stop the receiver, post again, start it again: the retry arrives on schedule (5 s, +/-20 %).
 */
const API_KEY = 'e2e-key-0123456789abcdefghijkl';
const CONFIG = JSON.stringify({
  api: { keys: { e2e: { key: '${E2E_API_KEY}', tenant: 'acme' } } },
  egress: { allowPrivate: ['127.0.0.0/8'] },
});

interface Got { at: number; headers: IncomingHttpHeaders; body: string }

function receiverOn(port: number, got: Got[]): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ at: Date.now(), headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(204).end();
    });
  });
  return new Promise((r) => server.listen(port, '127.0.0.1', () => r(server)));
}

const close = (s: Server) => new Promise((r) => { s.closeAllConnections(); s.close(r); });

describe('npm start: outbound webhooks', () => {
  let child: ChildProcess;
  let logs: () => string;
  let base: string;
  let dataDir: string;
  const auth = { authorization: `Bearer ${API_KEY}` };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'secorch-e2e-out-'));
    const config = join(dataDir, 'secorch.yaml');
    writeFileSync(config, CONFIG);
    const [port, lambdaPort] = await freePorts(2);
    base = `http://127.0.0.1:${port}`;
    child = startServer({ PORT: String(port), SECORCH_LAMBDA_PORT: String(lambdaPort), SECORCH_DATA_DIR: dataDir, SECORCH_CONFIG: config, E2E_API_KEY: API_KEY });
    logs = output(child);
    await waitHealthy(base, logs);
  }, 90000);

  afterAll(async () => {
    await stopServer(child);
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('signed delivery within 2 s; after a receiver outage the retry arrives on schedule', async () => {
    const port = await freePort();
    const got: Got[] = [];
    let rx = await receiverOn(port, got);
    const created = await fetch(`${base}/subscriptions`, {
      method: 'POST', headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `http://127.0.0.1:${port}/hook`, filter: { prefix: { type: 'com.example.' } } }),
    });
    expect(created.status).toBe(201);
    const sub = (await created.json()) as { id: string; secret: string };
    const post = (id: string) => fetch(`${base}/events`, {
      method: 'POST', headers: { ...auth, 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({ specversion: '1.0', id, source: 'e2e', type: 'com.example.scan.finished', data: { ok: true } }),
    });

    const sent = Date.now();
    expect((await post('evt-1')).status).toBe(202);
    const first = await until(() => got[0], 2000, () => `the first delivery within 2 s\n${logs()}`);
    console.log(`first delivery ${first.at - sent} ms after POST /events`);
    const event = new Webhook(sub.secret).verify(first.body, first.headers as Record<string, string>) as { id: string; tenant: string; origin: string };
    expect(event).toEqual(expect.objectContaining({ id: 'evt-1', tenant: 'acme', origin: 'api:e2e' }));

    await close(rx);
    expect((await post('evt-2')).status).toBe(202);
    // The first attempt fails (connection refused) and is recorded with its retry time.
    const failing = await until(async () => {
      const list = (await (await fetch(`${base}/deliveries?subscription=${sub.id}&status=pending`, { headers: auth })).json()) as { items: Array<{ id: string; attempts: number; nextAttemptAt?: string }> };
      return list.items.find((d) => d.attempts >= 1);
    }, 3000, () => `a failed first attempt\n${logs()}`);
    const detail = (await (await fetch(`${base}/deliveries/${failing.id}`, { headers: auth })).json()) as { attempts: Array<{ at: string; error?: string }>; nextAttemptAt: string };
    expect(detail.attempts[0]!.error).toBe('ECONNREFUSED');
    const wait = Date.parse(detail.nextAttemptAt) - Date.parse(detail.attempts[0]!.at);
    expect(wait).toBeGreaterThanOrEqual(4000);
    expect(wait).toBeLessThanOrEqual(6000);

    rx = await receiverOn(port, got);
    const retry = await until(() => got[1], 9000, () => `the retry\n${logs()}`);
    await close(rx);
    expect(retry.headers['webhook-id']).toBe(failing.id);
    // On schedule: no sooner than planned, and within a second of it (the worker sweeps every 250 ms).
    expect(retry.at).toBeGreaterThanOrEqual(Date.parse(detail.nextAttemptAt) - 50);
    expect(retry.at - Date.parse(detail.nextAttemptAt)).toBeLessThan(1000);
    const done = (await (await fetch(`${base}/deliveries/${failing.id}`, { headers: auth })).json()) as { status: string; attempts: unknown[] };
    expect(done).toEqual(expect.objectContaining({ status: 'succeeded' }));
    expect(done.attempts).toHaveLength(2);
  }, 60000);
});

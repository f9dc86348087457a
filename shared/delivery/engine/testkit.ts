import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { testDeps } from '../../../test/deps';
import { guardedDeliveryClient } from '../../http/delivery-client';
import type { Deps } from '../../ports';
import { keys, sortableId } from '../keys';
import type { Subscription } from '../model';
import { generateSecret } from '../secret';
import type { DeliveryDeps } from './deps';

/**
 * The engine on the injected clock (started at the real time: receivers using the
 * standardwebhooks library check timestamps against it), a memory store and bus, and the real
 * egress-guarded client allowed to reach 127.0.0.1. `timeoutMs` is the client's own deadline.
 */
export function deliveryEngine(config: Record<string, unknown> = {}, timeoutMs = 10_000) {
  // eslint-disable-next-line no-restricted-properties -- test support: the clock starts at the real time
  const t = testDeps({ egress: { allowPrivate: ['127.0.0.0/8'] }, ...config }, {}, Date.now());
  const outbound = guardedDeliveryClient({ allowPrivate: ['127.0.0.0/8'], timeoutMs });
  const deps: DeliveryDeps = { ...t.deps, outbound, random: () => 0.5 };
  return { ...t, deps, close: () => outbound.close() };
}

/** A subscription written straight to the store (as the API would), with its plain secret. */
export async function seedSubscription(deps: Deps, over: Partial<Subscription> & { url: string }): Promise<{ sub: Subscription; secret: string }> {
  const now = deps.clock.now();
  const id = over.id ?? sortableId('sub_', now);
  const tenant = over.tenant ?? 'default';
  const secret = generateSecret(randomBytes);
  const sealed = await deps.sealer!.seal(secret, { tenant, subscription: id });
  const at = new Date(now).toISOString();
  const sub: Subscription = { enabled: true, createdAt: at, updatedAt: at, secrets: [{ sealed, createdAt: at }], ...over, id, tenant };
  await deps.store.put(keys.subscription(tenant, id), JSON.stringify(sub));
  return { sub, secret };
}

export interface Received {
  /** The request target (path and query). */
  url: string;
  headers: IncomingMessage['headers'];
  /** Names and values as sent, in order: node's `headers` object leaves out a `__proto__` header. */
  rawHeaders: string[];
  body: string;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  /** The response body; `answer <n>` by default (none for a 204). */
  body?: string;
}

/**
 * A real HTTP receiver on 127.0.0.1: `respond` decides each answer (status, headers, body, or
 * 'hang' to never answer). Every request is kept in `received`.
 */
export async function receiver(respond: (req: Received, n: number) => Answer | 'hang' = () => ({ status: 204 })) {
  const received: Received[] = [];
  const hanging = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      const answer = respond(r, received.length);
      if (answer === 'hang') {
        hanging.add(() => res.destroy());
        return;
      }
      res.writeHead(answer.status, answer.headers).end(answer.status === 204 ? undefined : answer.body ?? `answer ${received.length}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    received,
    close: async () => {
      for (const h of hanging) h();
      await new Promise((r) => server.close(r));
    },
  };
}

import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * Network faults on 127.0.0.1 for the self-hosted store tests (PostgreSQL and Redis): servers
 * that stop answering, and a port nobody listens on. (A candidate for test/support/.)
 */
type Listening = { port: number; close(): Promise<void> };

async function listen(server: Server, sockets: Set<Socket>): Promise<Listening> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** Accepts TCP connections and never answers: a hung server, or a proxy with nothing behind it. */
export function blackHole(): Promise<Listening> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return listen(server, sockets);
}

/** A port nothing listens on (bound once, then released): connects get ECONNREFUSED. */
export async function closedPort(): Promise<number> {
  const hole = await blackHole();
  await hole.close();
  return hole.port;
}

/**
 * A TCP proxy to 127.0.0.1:upstreamPort. `freeze()` makes every connection open at that moment
 * go silent both ways without closing (a partition, a dead NAT entry); connections opened
 * afterwards pass traffic again.
 */
export async function freezingProxy(upstreamPort: number): Promise<Listening & { freeze(): void }> {
  const sockets = new Set<Socket>();
  const frozen = new WeakSet<Socket>();
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: upstreamPort });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (d) => frozen.has(client) || upstream.write(d));
    upstream.on('data', (d) => frozen.has(client) || client.write(d));
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', end).on('close', () => {
        sockets.delete(s);
        end();
      });
    }
  });
  const listening = await listen(server, sockets);
  return { ...listening, freeze: () => sockets.forEach((s) => frozen.add(s)) };
}

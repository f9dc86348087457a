import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The keep-alive receiver: reads each body, answers 204; counts requests and signed ones. */
export async function keepAliveReceiver() {
  const counts = { requests: 0, signed: 0 };
  const server = createServer((req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => {
      counts.requests += 1;
      if (req.headers['webhook-signature']) counts.signed += 1;
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 121_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    counts,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

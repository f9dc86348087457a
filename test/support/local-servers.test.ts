import { createServer, type Server } from 'node:net';
import { serverAvailable, serverAvailableSync, serverGate } from './local-servers';

/** A port that was free a moment ago (listened on, then closed): nothing answers there. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('local servers', () => {
  let server: Server;
  let openPort: number;
  beforeAll(async () => {
    server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    openPort = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('finds a listening port and not a closed one, asynchronously', async () => {
    expect(await serverAvailable('redis', openPort)).toBe(true);
    expect(await serverAvailable('redis', await closedPort())).toBe(false);
  });

  it('finds a listening port and not a closed one, synchronously (for jest collection)', async () => {
    expect(serverAvailableSync('postgres', openPort)).toBe(true);
    expect(serverAvailableSync('postgres', await closedPort())).toBe(false);
  });

  it('runs when the server is up, skips naming it when absent, and fails under CI', () => {
    expect(serverGate('postgres', 5432, true, true)).toEqual({ run: true });
    expect(serverGate('postgres', 5432, false, false)).toEqual({
      run: false, fail: false, message: 'postgres is not running on 127.0.0.1:5432',
    });
    expect(serverGate('redis', 6379, false, true)).toEqual({
      run: false, fail: true, message: 'redis is not running on 127.0.0.1:6379 (required under CI=true)',
    });
  });
});

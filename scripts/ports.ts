import { createServer } from 'node:net';

/**
 * The ports serverless-offline listens on under npm start, checked before anything is built or
 * started: found in use only by serverless-offline itself, the reason was a stack trace under the
 * route table, after the workers had already started on the data directory (which may be the one
 * of the npm start holding the port).
 */
export class PortError extends Error {}

export const HOST = '127.0.0.1';

interface Port {
  /** The variable that sets it. */
  name: 'PORT' | 'SECORCH_LAMBDA_PORT';
  value: string;
  what: string;
}

export const ports = (env: NodeJS.ProcessEnv): Port[] => [
  { name: 'PORT', value: env.PORT || '3000', what: 'the HTTP port' },
  { name: 'SECORCH_LAMBDA_PORT', value: env.SECORCH_LAMBDA_PORT || '3002', what: "serverless-offline's Lambda invoke port" },
];

const number = (p: Port): number => {
  const n = /^\d{1,5}$/.test(p.value) ? Number(p.value) : Number.NaN;
  if (!(n >= 1 && n <= 65535)) throw new PortError(`${p.name} "${p.value}" is not a port number (1 to 65535)`);
  return n;
};

/** Resolves when nothing listens on HOST:port (it binds and closes at once), else the bind's error code. */
function bindProblem(port: number): Promise<string | undefined> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? 'error'));
    server.listen({ host: HOST, port, exclusive: true }, () => server.close(() => done(undefined)));
  });
}

/** Throws a PortError naming the variable to change when a port is not a number, taken twice, or in use. */
export async function checkPorts(env: NodeJS.ProcessEnv): Promise<void> {
  const [http, lambda] = ports(env) as [Port, Port];
  const [h, l] = [number(http), number(lambda)];
  if (h === l) throw new PortError(`PORT and SECORCH_LAMBDA_PORT are both ${h}; set one of them to another port`);
  for (const [p, n] of [[http, h], [lambda, l]] as const) {
    const code = await bindProblem(n);
    if (code === 'EADDRINUSE') {
      throw new PortError(`port ${n} on ${HOST} (${p.what}, ${p.name}) is in use: stop what listens there (another npm start?) or set ${p.name} to a free port`);
    }
    if (code) throw new PortError(`port ${n} on ${HOST} (${p.what}, ${p.name}) cannot be used (${code}); set ${p.name} to another port`);
  }
}

// Starts fauxqs (a real SQS + S3 protocol server from npm) on loopback and prints
// "READY <port>" once it answers. Run as a child process so tests can stop it by PID.
import { buildApp } from 'fauxqs';

const port = Number(process.argv[2] ?? 0);
const app = buildApp({ logger: false });
await app.listen({ port, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`READY ${typeof address === 'object' && address ? address.port : port}\n`);
const stop = () => app.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

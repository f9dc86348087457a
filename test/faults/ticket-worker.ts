import { sqliteStore } from '../../providers/local/sqlite-store';
import { destinations } from '../../shared/destinations';
import { testDeps } from '../deps';

/**
 * One delivery of one event to one ticket destination, in its own process, as the router would
 * make it (test/faults/tickets-kill.test.ts). The state store is a SQLite file shared by every
 * run. With `dieAfter: 'METHOD /path'` the process SIGKILLs itself the moment the vendor answers
 * that request: the ticket exists in the target, and nothing after the call ran.
 */
interface Input {
  storePath: string;
  clockMs: number;
  destination: unknown;
  event: import('../../shared/events/cloudevent').CloudEvent;
  dieAfter?: string;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2]!) as Input;
  const { deps } = testDeps({ destinations: { tickets: input.destination } }, {}, input.clockMs);
  deps.store = sqliteStore({ path: input.storePath, clock: deps.clock });
  if (input.dieAfter) {
    const [method, path] = input.dieAfter.split(' ');
    const inner = deps.http;
    deps.http = {
      async fetch(url, init) {
        const res = await inner.fetch(url, init);
        if ((init?.method ?? 'GET') === method && new URL(String(url)).pathname === path) process.kill(process.pid, 'SIGKILL');
        return res;
      },
    };
  }
  await destinations(deps.config).get('tickets')!(input.event, deps);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stdout.write(JSON.stringify({ code: (e as { code?: string }).code, message: (e as Error).message }));
    process.exit(3);
  },
);

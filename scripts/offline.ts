/**
 * How `npm start` runs serverless-offline, and the e2e benchmark its floor (the same settings).
 *
 * `--useInProcess`: every function runs in the emulator's own process, one module instance per
 * function, rather than in a worker thread per concurrent invocation. With worker threads, ten
 * concurrent webhooks made ten V8 isolates (about 620 MB) and ten SQLite connections, each
 * waiting in turn for the others' write lock on the queue file: about 700 signed webhooks per
 * second on two cores. In process, one connection per file serves every invocation, and the
 * events published side by side share one commit (providers/local/bus-sqlite.ts): about 1,500
 * per second in about 260 MB. What this gives up: an invocation that blocks the thread (none
 * should; transforms run in their own worker with a hard time limit) delays the others, and a
 * crash takes the emulator down; npm start then starts it again (scripts/start.ts), unless it
 * died within its first ten seconds of serving, when it stops and says why.
 * Nothing lives only in process memory either way: the router, delivery and inbox workers are
 * processes of their own and share the SQLite files.
 */
export const OFFLINE_START = ['offline', 'start', '--useInProcess'];

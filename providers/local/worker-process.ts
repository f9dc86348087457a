import { isAppError } from '../../shared/errors';
import { redactText } from '../../shared/log/redact';

/**
 * The exit code of a worker that cannot run until someone acts: a non-retryable AppError, such as
 * a damaged database file (store_damaged), whose message says what to do. sysexits.h's
 * EX_CONFIG: a restart would only fail the same way, so npm start can stop restarting it.
 */
export const EXIT_CANNOT_RUN = 78;

/**
 * How the long-running local workers beside serverless-offline run as processes: `work` gets a
 * signal that SIGINT/SIGTERM abort, so it can finish what it holds; the process exits 0 when
 * `work` returns; EXIT_CANNOT_RUN with the error's message (one line, what to do in it) when it
 * throws a non-retryable AppError; otherwise 1 (npm start restarts it), with the error's code and
 * message in one line for an AppError, or with the stack for anything else.
 */
export function runWorker(name: string, work: (signal: AbortSignal) => Promise<void>): void {
  const stop = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => stop.abort());
  work(stop.signal).then(
    () => process.exit(0),
    (e: unknown) => {
      if (isAppError(e) && !e.retryable) {
        console.error(`secorch ${name} cannot run: ${redactText(e.message)}`);
        process.exit(EXIT_CANNOT_RUN);
      }
      // A typed failure says what is wrong (a database that cannot be opened, a full disk): its
      // stack, printed at every restart, only buried that sentence. A bug keeps its stack.
      if (isAppError(e) && e.code !== 'internal_error') {
        console.error(`secorch ${name} failed (${e.code}): ${redactText(e.message)}`);
        process.exit(1);
      }
      console.error(`secorch ${name}: ${redactText(String((e as Error).stack ?? e))}`);
      process.exit(1);
    },
  );
}

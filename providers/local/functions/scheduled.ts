import { isAppError } from '../../../shared/errors';
import type { Logger } from '../../../shared/ports';
import { stdoutLogger } from '../../common/runtime';

/** Error lines pass every logLevel, so this logger needs no configuration (which may be what failed). */
const consoleLogger = (): Logger => stdoutLogger('error', { runtime: 'local' });

/**
 * Runs one of serverless-offline's one-minute local invocations (the router's drain, the
 * scheduler's tick) so that a runtime that cannot run is one error line a minute, not an
 * exception: a damaged, unreadable or full database file (sqlite-errors.ts) or any other typed
 * error would otherwise reach serverless-offline, which prints "Unhandled exception" with the
 * whole stack and the error's fields every minute, burying the one sentence that says what to do.
 * The line carries the error's code and message, the message the workers print when they stop on
 * the same problem. The next tick tries again, so a file restored or freed is used at once. An
 * error that is no AppError (a bug) is thrown on, stack and all.
 */
export async function loggedTick<T>(what: string, run: () => Promise<T>, failed: (code: string) => T, logger?: Logger): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (!isAppError(e)) throw e;
    (logger ?? consoleLogger()).error(`${what} cannot run`, { code: e.code, error: e.message });
    return failed(e.code);
  }
}

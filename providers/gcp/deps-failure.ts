import { AppError, isAppError } from '../../shared/errors';
import type { Deps } from '../../shared/ports';
import { stdoutLogger } from '../common/runtime';

/**
 * The deps of a function whose failures the functions-framework logs and answers itself. It logs
 * what it catches as `err.stack`, unredacted, and outside NODE_ENV=production answers with the
 * message too; a configuration or secret manager error can quote a credential. So a failure to
 * build deps is logged here, as one redacted line with its code, and what is thrown on carries
 * only that code and a fixed message.
 */
export async function depsOrLogged(getDeps: () => Promise<Deps>): Promise<Deps> {
  try {
    return await getDeps();
  } catch (e) {
    const code = isAppError(e) ? e.code : 'deps_failed';
    // No configuration to read the log level from: it is what failed.
    stdoutLogger('error').error('could not build deps', { code, error: e });
    throw new AppError(code, `The function could not start (${code}); the cause is logged`, {
      status: 500, retryable: isAppError(e) ? e.retryable : true, expose: false,
    });
  }
}

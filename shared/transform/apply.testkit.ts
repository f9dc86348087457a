/**
 * Child-process script of ./process.test.ts: `node --import tsx apply.testkit.ts <expression>
 * <timeoutMs>` applies the expression to `{}` in the transform worker and prints `{"value"}`, or
 * `{"code", "message", "limit"}` of the AppError it fails with. A transform that brings the
 * process down prints nothing, and the process ends by a signal.
 */
import { isAppError } from '../errors';
import { applyTransform, compileTransform } from './jsonata';

async function main(): Promise<void> {
  const [expression = '', timeoutMs = '100'] = process.argv.slice(2);
  const compiled = compileTransform(expression);
  if (!compiled.ok) throw new Error(compiled.error);
  try {
    const value = await applyTransform(compiled.transform, {}, { timeoutMs: Number(timeoutMs) });
    process.stdout.write(JSON.stringify({ value }));
  } catch (e) {
    if (!isAppError(e)) throw e;
    process.stdout.write(JSON.stringify({ code: e.code, message: e.message, limit: e.extra.limit }));
  }
}

void main();

import { AppError } from '../errors';
import { type Transform, type TransformBudget, applyTransform, compileTransform } from './jsonata';

/** A compiled transform; a compile error fails the test at once. */
export function compile(expr: string): Transform {
  const c = compileTransform(expr);
  if (!c.ok) throw new Error(c.error);
  return c.transform;
}

/** The AppError an application of `expr` rejects with (always 422, never retryable). */
export async function failure(expr: string, input: unknown, budget?: TransformBudget): Promise<AppError> {
  const err: unknown = await applyTransform(compile(expr), input, budget).then(
    () => { throw new Error(`expected ${expr} to fail`); },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect(err).toMatchObject({ status: 422, retryable: false });
  return err as AppError;
}

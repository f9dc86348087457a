import * as z from 'zod/mini';
import { AppError } from '../../../errors';
import { keysVerifySchemas } from './config';

/** Test helpers of the keys schemes: configurations parsed as compileConfig would, verdicts as codes. */
const schema = z.discriminatedUnion('scheme', [...keysVerifySchemas]);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each test narrows by the builder it calls
export const parseConfig = (raw: Record<string, unknown>): any => schema.parse(raw);

function codeOf(e: unknown): string {
  if (!(e instanceof AppError)) throw e;
  return e.code;
}

/** 'accepted', or the AppError code a verifier threw; anything else fails the test. */
export function verdict(fn: () => unknown): string {
  try {
    fn();
    return 'accepted';
  } catch (e) {
    return codeOf(e);
  }
}

export async function verdictAsync(fn: () => unknown): Promise<string> {
  try {
    await fn();
    return 'accepted';
  } catch (e) {
    return codeOf(e);
  }
}

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Whether an earlier try of a call that failed may have been applied. The SDK's retry middleware
 * sends a call again after a failed try, and a resent conditional PutItem then fails its condition
 * on what its first try wrote, if that try was applied. Only some failed tries can have been:
 * - no answer (a reset connection, a timeout) or a 5xx (DynamoDB documents that a 500 may follow
 *   a successful write): maybe applied;
 * - a 4xx answer (throttling: ProvisionedThroughputExceededException, ThrottlingException,
 *   RequestLimitExceeded; a clock-skew or signature refusal the SDK retries): refused before
 *   anything was written, so a resend after it is like a first send.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html
 *
 * A middleware inside the retry middleware (after it in the finalizeRequest step, so once per try)
 * notes each failed try of a call by its input object, which every try of one send shares and
 * which the store makes afresh for every send; on the failure of a later try it records whether
 * one before it may have been applied. It goes on the client's stack at first use, also on a
 * client passed in (it only watches), once per client. A client without the SDK's retry middleware
 * (a test double, a stack without retries) gets none; its failures fall back on `attempts`.
 */
const NAME = 'secorchNoteTries';
const RETRY = 'retryMiddleware';

/** Calls (their input objects) with a failed try that may have been applied. */
const maybeApplied = new WeakSet<object>();
/** Each failure the middleware saw: whether a try before it may have been applied. */
const verdicts = new WeakMap<object, boolean>();

const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null;

/** Whether a failed try was refused before DynamoDB wrote anything: a 4xx answer (408 aside). */
export function refusedTry(e: unknown): boolean {
  const status = (e as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  return typeof status === 'number' && status >= 400 && status < 500 && status !== 408;
}

type Stack = Pick<DynamoDBClient['middlewareStack'], 'addRelativeTo' | 'identify'>;
/** The SDK's middleware types are a union over the steps; this one only passes a try through. */
type Middleware = Parameters<Stack['addRelativeTo']>[0];
type Args = { input?: unknown };

const watchTries = (next: (args: Args) => Promise<unknown>) => async (args: Args) => {
  try {
    return await next(args);
  } catch (e) {
    if (isObject(args.input) && isObject(e)) {
      verdicts.set(e, maybeApplied.has(args.input));
      if (!refusedTry(e)) maybeApplied.add(args.input);
    }
    throw e;
  }
};

/** Adds the middleware to `client` (once); a client with no retry middleware is left alone. */
export function noteTries(client: DynamoDBClient): void {
  const stack = (client as { middlewareStack?: Partial<Stack> }).middlewareStack;
  if (typeof stack?.addRelativeTo !== 'function' || typeof stack.identify !== 'function') return;
  // identify() lists "name - step" or "name (a.k.a. ...) - relation target".
  const names = stack.identify().map((entry) => entry.split(' ')[0]);
  if (names.includes(NAME) || !names.includes(RETRY)) return;
  stack.addRelativeTo(watchTries as unknown as Middleware, { name: NAME, relation: 'after', toMiddleware: RETRY });
}

/**
 * Whether a try before the one that failed with `e` may have been applied. A failure the
 * middleware did not see (a client without it) counts every resend (`$metadata.attempts` > 1).
 */
export function earlierTryMayHaveApplied(e: unknown): boolean {
  if (!isObject(e)) return false;
  const seen = verdicts.get(e);
  if (seen !== undefined) return seen;
  const attempts = (e as { $metadata?: { attempts?: unknown } }).$metadata?.attempts;
  return typeof attempts === 'number' && attempts > 1;
}

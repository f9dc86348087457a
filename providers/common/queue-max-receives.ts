import { positiveIntegerEnv, type SettingWarning } from './env-number';

/**
 * How many receives the router's queue allows before its own dead-letter queue takes a message
 * (InboundRecord.maxReceives), on the platforms where that is a setting of the deployed queue:
 * `SECORCH_QUEUE_MAX_RECEIVES` when set (an SQS maxReceiveCount, Service Bus MaxDeliveryCount or
 * Pub/Sub max delivery attempts other than the README's), else the documented one (`fallback`;
 * a value that is not a whole number is logged as a warning).
 * A wrong value costs little: too high, the platform's queue takes the message first, as it did
 * before the router kept such messages; too low, the router keeps it (replayable) a few receives early.
 */
export function queueMaxReceives(fallback: number, env: NodeJS.ProcessEnv = process.env, warn?: SettingWarning): number {
  return positiveIntegerEnv(env, 'SECORCH_QUEUE_MAX_RECEIVES', 4, fallback, warn);
}

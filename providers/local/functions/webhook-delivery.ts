import { deliveryTick, deliveryWakeUp } from '../../../functions/webhook-delivery/handler';
import { awsSqs } from '../../aws/sqs';
import { localDeps } from '../deps';

/** The same sweep as the delivery worker's, invocable through serverless-offline (it is not scheduled locally). */
export const handler = async () => {
  const deps = await localDeps();
  return deliveryTick({ name: 'invoke', scheduledAt: deps.clock.now() }, deps);
};
/** serverless.yml's wake-up function; locally no queue triggers it (the worker sweeps), but it can be invoked. */
export const wakeUp = awsSqs(deliveryWakeUp, localDeps);

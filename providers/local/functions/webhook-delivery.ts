import { deliveryTick } from '../../../functions/webhook-delivery/handler';
import { localDeps } from '../deps';

/** The same sweep as the delivery worker's, invocable through serverless-offline (it is not scheduled locally). */
export const handler = async () => deliveryTick({ name: 'invoke', scheduledAt: Date.now() }, await localDeps());

import type { HttpRoute } from '../../shared/http/router';
import { deleteDeadLetterRecord, getDeadLetterRecord, listDeadLetterRecords, replayDeadLetter } from './dead-letters';
import { getDelivery, listDeliveries, retryDelivery } from './deliveries';
import { postEvents } from './events';
import { createSubscription, deleteSubscription, getSubscription, listSubscriptions, patchSubscription } from './subscriptions';
import { recoverDeliveries, rotateSecret } from './subscriptions-actions';

/** The REST API (API-key auth): CloudEvents in, outbound webhook subscriptions and their delivery log, inbound dead letters. */
export const apiRoutes: HttpRoute[] = [
  { method: 'POST', path: '/events', handler: postEvents },
  { method: 'POST', path: '/subscriptions', handler: createSubscription },
  { method: 'GET', path: '/subscriptions', handler: listSubscriptions },
  { method: 'GET', path: '/subscriptions/{id}', handler: getSubscription },
  { method: 'PATCH', path: '/subscriptions/{id}', handler: patchSubscription },
  { method: 'DELETE', path: '/subscriptions/{id}', handler: deleteSubscription },
  { method: 'POST', path: '/subscriptions/{id}/rotate-secret', handler: rotateSecret },
  { method: 'POST', path: '/subscriptions/{id}/recover', handler: recoverDeliveries },
  { method: 'GET', path: '/deliveries', handler: listDeliveries },
  { method: 'GET', path: '/deliveries/{id}', handler: getDelivery },
  { method: 'POST', path: '/deliveries/{id}/retry', handler: retryDelivery },
  { method: 'GET', path: '/dead-letters', handler: listDeadLetterRecords },
  { method: 'GET', path: '/dead-letters/{id}', handler: getDeadLetterRecord },
  { method: 'DELETE', path: '/dead-letters/{id}', handler: deleteDeadLetterRecord },
  { method: 'POST', path: '/dead-letters/{id}/replay', handler: replayDeadLetter },
];

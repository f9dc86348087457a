/**
 * The vendor-payload mapper contract. A source's `mapper:` setting names one of these; the webhook
 * capability calls it after the signature check and wraps the result in a CloudEvent. Mappers are
 * pure: no clock, no environment, no I/O. Time arrives as `receivedAt`.
 */
import { EVENT_TYPES } from '../events/cloudevent';

export interface MapperInput {
  /** Sender's event name, e.g. X-GitHub-Event: code_scanning_alert */
  event?: string;
  /** Sender's delivery id (X-GitHub-Delivery) */
  deliveryId?: string;
  /** Parsed JSON body */
  payload: unknown;
  /** Epoch ms when the webhook was received (injected clock) */
  receivedAt: number;
}

export interface MappedEvent {
  /** One of EVENT_TYPES. */
  type: string;
  /** The finding uid: stable for the finding's life, so routes can filter on it. */
  subject?: string;
  /** RFC 3339, only when the sender says when it happened. */
  time?: string;
  /** OCSF-aligned finding. */
  data: unknown;
}

/** Returns undefined for payloads it does not know: the caller then emits secorch.webhook.received. */
export type Mapper = (input: MapperInput) => MappedEvent | undefined;

/**
 * What happened to a finding, in the terms users route on. Each maps to one finding event type
 * and one OCSF finding activity (Create / Update / Close).
 */
export type FindingTransition = 'created' | 'updated' | 'resolved';

export const TRANSITION_EVENT_TYPES: Record<FindingTransition, string> = {
  created: EVENT_TYPES.findingCreated,
  updated: EVENT_TYPES.findingUpdated,
  resolved: EVENT_TYPES.findingResolved,
};

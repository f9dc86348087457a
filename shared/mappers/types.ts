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
  /** One of EVENT_TYPES, or one of IAM_EVENT_TYPES below. */
  type: string;
  /** The finding uid: stable for the finding's life, so routes can filter on it. */
  subject?: string;
  /** RFC 3339, only when the sender says when it happened. */
  time?: string;
  /** OCSF-aligned finding (or IAM event). */
  data: unknown;
  /**
   * What identifies this event among the ones a delivery carries, stable across redeliveries:
   * an Okta event uuid, an AWS finding uid plus its UpdatedAt. Callers derive the CloudEvent id
   * from it when a mapper returns several events; absent, they use the delivery id and position.
   */
  key?: string;
}

/**
 * What a mapper may return: undefined for payloads it does not know (the caller then emits
 * secorch.webhook.received), one event, or several when one delivery carries several facts (an
 * Okta event hook batches System Log events, a Security Hub event carries up to 100 findings).
 * Callers publish one CloudEvent per element; `mappedEvents` normalizes the three forms.
 */
export type MapperResult = MappedEvent | MappedEvent[] | undefined;

/** A mapper that returns at most one event: undefined for payloads it does not know. */
export type Mapper = (input: MapperInput) => MappedEvent | undefined;

/**
 * Any mapper: none, one or several events. The registry holds these and `resolveMapper` returns
 * one, so callers must handle lists; a `Mapper` is an AnyMapper.
 */
export type AnyMapper = (input: MapperInput) => MapperResult;

/** The events of a mapper result, in order; an empty list for undefined. */
export const mappedEvents = (result: MapperResult): MappedEvent[] =>
  result === undefined ? [] : Array.isArray(result) ? result : [result];

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

/**
 * Identity and access events (OCSF category 3), typed by OCSF class so routes work the same for
 * every identity provider; the vendor's own event name is the CloudEvent subject.
 */
export const IAM_EVENT_TYPES = {
  accountChange: 'secorch.iam.account_change',
  authentication: 'secorch.iam.authentication',
  userAccess: 'secorch.iam.user_access',
  groupManagement: 'secorch.iam.group_management',
} as const;

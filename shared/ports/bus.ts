import type { CloudEvent } from '../events/cloudevent';

/** Publishes events to the router's queue/topic (SQS, Storage Queue, Pub/Sub, local). */
export interface EventBus {
  /** Resolves once the event is durably accepted by the bus; rejects otherwise. */
  publish(event: CloudEvent): Promise<void>;
  check(): Promise<void>;
}

import type { DestinationConfig } from '../config';
import type { CloudEvent } from '../events/cloudevent';
import type { Deps } from '../ports';

/** Hands one event to one destination; throws (an AppError ideally) when it could not. */
export type Deliver = (event: CloudEvent, deps: Deps) => Promise<void>;

/** Builds the deliver function of a destination from its configuration, once per cold start. */
export type DestinationFactory<C extends DestinationConfig = DestinationConfig> = (name: string, config: C) => Deliver;

import type { EventBridgeClient, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { AppError, errors } from '../../shared/errors';
import type { CloudEvent } from '../../shared/events/cloudevent';
import type { EventBus } from '../../shared/ports';
import { clip } from '../../shared/events/text-cut';
import { once } from '../common/once';
import { type AwsTimeouts, awsClientConfig } from './client-options';

export interface EventBridgeBusOptions extends AwsTimeouts {
  /** Event bus name or ARN. */
  busName: string;
  /** Source of every entry (the router's rule matches on it); default `secorch`. */
  source?: string;
  /** A ready client (tests, or a root that shares one); else one is made on first use. */
  client?: EventBridgeClient;
  endpoint?: string;
  region?: string;
}

/**
 * The largest entry sent, counted as EventBridge counts them: 14 bytes for Time, then the UTF-8
 * bytes of Source, DetailType, Detail and each Resource
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html). Event buses
 * take entries up to 1 MiB since AWS raised the limit from 256 KB on 29 January 2026, together
 * with asynchronous Lambda invocations and SQS messages. 8 KiB of it are left for what EventBridge
 * puts around the detail when it invokes the router (id, account, region, time, source,
 * detail-type, resources: a few hundred bytes), so that invocation stays within Lambda's 1 MB
 * for asynchronous payloads too. The SQS bus carries events up to 1 MiB likewise.
 */
export const MAX_ENTRY_BYTES = 1024 * 1024 - 8 * 1024;

export function entrySize(entry: PutEventsRequestEntry): number {
  const bytes = (s: string | undefined) => (s === undefined ? 0 : Buffer.byteLength(s, 'utf8'));
  return (entry.Time ? 14 : 0) + bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail)
    + (entry.Resources ?? []).reduce((n, r) => n + bytes(r), 0);
}

/** PutEventsRequestEntry DetailType: "Free-form string, with a maximum of 128 characters". */
export const MAX_DETAIL_TYPE = 128;

/**
 * The entry for an event: the whole CloudEvent (structured mode) as Detail, which is what the
 * router's EventBridge trigger hands on; DetailType is the CloudEvent type so rules can select on
 * it without matching inside the detail. A type longer than DetailType takes is cut there and
 * ends in "…", so it cannot equal another type (the router reads the type from Detail, and an
 * entry over the limit would be refused on every retry; DetailType cannot be left out).
 * Time is the event's own when it has one (else the PutEvents call's, as EventBridge does by
 * default).
 */
export function toEntry(event: CloudEvent, busName: string, source: string): PutEventsRequestEntry {
  const time = typeof event.time === 'string' ? new Date(event.time) : undefined;
  return {
    EventBusName: busName,
    Source: source,
    DetailType: clip(event.type, MAX_DETAIL_TYPE),
    Detail: JSON.stringify(event),
    ...(time && !Number.isNaN(time.getTime()) ? { Time: time } : {}),
  };
}

/** One rejected PutEvents entry, as EventBridge reported it (kept as the cause: logged, never shown). */
export class PutEventsEntryError extends Error {
  constructor(readonly errorCode: string, readonly errorMessage: string) {
    super(`${errorCode}: ${errorMessage}`);
    this.name = 'PutEventsEntryError';
  }
}

/**
 * Entry error codes PutEvents documents as retryable; the others (AccessDeniedException,
 * MalformedDetail, InvalidArgument, NotAuthorizedFor...) refuse the entry itself, and resending
 * it at once cannot help.
 */
const RETRYABLE_ENTRY_ERRORS = new Set(['ThrottlingException', 'InternalFailure']);
/** Sends of one entry at most, with jittered backoff between them (up to 0.1 s, then 0.2 s). */
const ENTRY_ATTEMPTS = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type PutEventsAnswer = { FailedEntryCount?: number; Entries?: { ErrorCode?: string; ErrorMessage?: string }[] };
/** The failed entry of an answer, if any (FailedEntryCount without an ErrorCode counts too). */
function failedEntry(result: PutEventsAnswer): PutEventsEntryError | undefined {
  const failed = result.Entries?.find((r) => r.ErrorCode);
  if ((result.FailedEntryCount ?? 0) === 0 && !failed) return undefined;
  return new PutEventsEntryError(failed?.ErrorCode ?? 'UnknownError', failed?.ErrorMessage ?? 'no error message');
}

/**
 * EventBus on an EventBridge event bus. PutEvents answers 200 even when it rejected entries: the
 * per-entry ErrorCode is the only signal (FailedEntryCount), and the SDK's retries never see it.
 * An entry refused as throttled or for an internal failure is sent again here, as AWS asks
 * ("detect unsuccessful entries and include them in a subsequent call"); one still failing, or
 * refused for another reason, is a retryable bus_unavailable, never a success.
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevents.html
 * The SDK is imported on first use, as in sqsBus.
 */
export function eventBridgeBus(opts: EventBridgeBusOptions): EventBus {
  const source = opts.source ?? 'secorch';
  const load = once(() => import('@aws-sdk/client-eventbridge').then((sdk) => ({
    sdk,
    client: opts.client ?? new sdk.EventBridgeClient(awsClientConfig(opts)),
  })));

  return {
    async publish(event) {
      const entry = toEntry(event, opts.busName, source);
      const size = entrySize(entry);
      if (size > MAX_ENTRY_BYTES) {
        throw new AppError('bus_message_too_large', `Event ${event.id} is ${size} bytes as an EventBridge entry; the limit is ${MAX_ENTRY_BYTES}`, {
          status: 500,
          retryable: false,
          expose: false,
        });
      }
      for (let attempt = 1; ; attempt++) {
        let result: PutEventsAnswer;
        try {
          const { sdk, client } = await load();
          result = await client.send(new sdk.PutEventsCommand({ Entries: [entry] }));
        } catch (e) {
          throw errors.unavailable('bus_unavailable', 'The event bus did not accept the event', e);
        }
        const failed = failedEntry(result);
        if (!failed) return;
        if (attempt >= ENTRY_ATTEMPTS || !RETRYABLE_ENTRY_ERRORS.has(failed.errorCode)) {
          throw errors.unavailable('bus_unavailable', 'The event bus did not accept the event', failed);
        }
        await sleep(Math.random() * 50 * 2 ** attempt);
      }
    },
    async check() {
      try {
        const { sdk, client } = await load();
        await client.send(new sdk.DescribeEventBusCommand({ Name: opts.busName }));
      } catch (e) {
        throw errors.unavailable('bus_unavailable', 'The event bus is not reachable', e);
      }
    },
  };
}

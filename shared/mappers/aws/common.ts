/**
 * What ASFF and GuardDuty findings share once mapped: the cloud object, the status-driven
 * transition, resource summaries and the final MappedEvent. Pure: time arrives in AwsInput.
 */
import { buildFinding, OCSF_VERSION, type Cloud, type FindingParts, type Product } from '../ocsf';
import { arr, compact, epochMs, obj, setOwn, str, type Json } from '../read';
import { TRANSITION_EVENT_TYPES, type FindingTransition, type MappedEvent } from '../types';
import { SAMPLE_LABEL } from './sample';

/** Facts from outside the finding: the EventBridge envelope, the clock. */
export interface AwsInput {
  receivedAt: number;
  /** The EventBridge event id (or webhook delivery id). */
  deliveryId?: string;
  /** The EventBridge event's time (epoch ms): the time of a finding without UpdatedAt. */
  eventTime?: number;
  /** The EventBridge detail-type, recorded as metadata.event_code. */
  eventCode?: string;
  /** Envelope account and region: fallbacks when the finding omits its own. */
  account?: string;
  region?: string;
  /**
   * Uids of findings the caller knows the source reported before (cloud-findings' first-seen
   * records): one the mapper would call `created` is an update, written as any other update.
   */
  reported?: ReadonlySet<string>;
  /**
   * Uids of findings the caller knows this is the first report of (cloud-findings' first-seen
   * records): ASFF's workflow rule (asffTransition) does not make it an update, since a workflow
   * status on a first report was set as the finding was ingested (an automation rule), not by an
   * analyst afterwards.
   */
  firstReports?: ReadonlySet<string>;
}

export const isArn = (s: string): boolean => /^arn:[a-z-]+:[a-z0-9-]+:/.test(s);

/** The region of an ARN (arn:partition:service:region:account:...), when it names one. */
export const arnRegion = (arn: string | undefined): string | undefined => str(arn?.split(':')[3]);

/** https://schema.ocsf.io/1.3.0/objects/cloud; account type_id 10 = AWS Account. */
export function awsCloud(account: string | undefined, region: string | undefined): Cloud {
  return compact({
    provider: 'AWS',
    region,
    account: account === undefined ? undefined : { uid: account, type_id: 10, type: 'AWS Account' },
  });
}

/**
 * Detail members that carry credentials rather than describe the resource: a launch
 * configuration's `UserData` (the instance's bootstrap script, base64: where passwords and tokens
 * end up), and members of free-form blocks (`Other`) named like a credential. Findings are
 * published to chat, tickets and pagers.
 */
export const CREDENTIAL_KEY = /userdata|passw|secret|token|credential|private.?key/i;

/**
 * A resource's details without its nested objects: the scalars and lists of scalars an analyst
 * reads first (instance type, image, addresses), not whole network interface trees.
 */
export function summarize(details: unknown): Json | undefined {
  const src = obj(details);
  if (src === undefined) return undefined;
  const out: Json = {};
  for (const [key, value] of Object.entries(src)) {
    if (CREDENTIAL_KEY.test(key)) continue;
    if (['string', 'number', 'boolean'].includes(typeof value)) setOwn(out, key, value);
    else if (Array.isArray(value) && value.length > 0 && value.every((v) => ['string', 'number'].includes(typeof v))) setOwn(out, key, value);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Every detail block of a resource (ASFF Details has one key per resource kind), summarized. */
export function summarizeAll(details: unknown): Json | undefined {
  const out: Json = {};
  for (const [kind, block] of Object.entries(obj(details) ?? {})) {
    const s = summarize(block);
    if (s !== undefined) setOwn(out, kind, s);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** An object with at least one key, else undefined (so empty groups leave no key behind). */
export const nonEmpty = <T extends Json>(o: T): T | undefined => (Object.keys(o).length > 0 ? o : undefined);

export const stringsOf = (v: unknown): string[] | undefined => {
  const out = arr(v).map(str).filter((s): s is string => s !== undefined);
  return out.length > 0 ? out : undefined;
};

export interface AwsParts extends Omit<FindingParts, 'time' | 'metadata'> {
  uid: string;
  product: Product;
  /** The finding's UpdatedAt as written: the activity time and part of the event key. */
  updatedAt: string | undefined;
  /**
   * What changed without moving UpdatedAt (ASFF: a digest of the fields BatchUpdateFindings
   * writes), the last part of the event key; absent for sources that move UpdatedAt on every change.
   */
  revision?: string;
  cloud: Cloud;
  /** A generated sample finding (./sample.ts): labelled `sample` in metadata.labels. */
  sample?: boolean;
}

/**
 * Wraps finding parts into a MappedEvent keyed `uid@UpdatedAt`, or `uid@UpdatedAt#revision`: the
 * same facts give the same key (and CloudEvent id, see stableEventId), any change a new one. A
 * finding without UpdatedAt has no key: nothing in it tells one state from the next, and the
 * caller derives the id from the delivery (the EventBridge event id), which a redelivery keeps.
 * Its time is the EventBridge event's, else the receive time.
 */
export function assembleAws(input: AwsInput, parts: AwsParts): MappedEvent {
  const { uid, product, updatedAt, revision, sample, ...rest } = parts;
  const transition = reportedTransition(input, uid, parts.transition);
  const updated = epochMs(updatedAt);
  const time = updated ?? input.eventTime;
  const data = buildFinding({
    ...rest,
    transition,
    time: time ?? input.receivedAt,
    metadata: compact({
      version: OCSF_VERSION,
      product,
      profiles: ['cloud'],
      uid: input.deliveryId,
      event_code: input.eventCode,
      original_time: updated === undefined ? undefined : updatedAt,
      logged_time: input.receivedAt,
      labels: sample === true ? [SAMPLE_LABEL] : undefined,
    }),
  });
  return compact({
    type: TRANSITION_EVENT_TYPES[transition],
    subject: uid,
    time: time === undefined ? undefined : new Date(time).toISOString(),
    data,
    key: updatedAt === undefined ? undefined : `${uid}@${updatedAt}${revision === undefined ? '' : `#${revision}`}`,
  });
}

/** The transition, with a `created` of a finding the caller knows was reported before an update. */
export const reportedTransition = (input: AwsInput, uid: string, t: FindingTransition): FindingTransition =>
  t === 'created' && input.reported?.has(uid) === true ? 'updated' : t;

/** created when the finding has never been updated, resolved when closed, else updated. */
export function transition(closed: boolean, createdAt: unknown, updatedAt: unknown): FindingTransition {
  if (closed) return 'resolved';
  const c = epochMs(createdAt);
  return c !== undefined && c === epochMs(updatedAt) ? 'created' : 'updated';
}

/**
 * The generic mapper: a source's configured field paths -> an OCSF Detection Finding, or the body
 * passed through as secorch.webhook.received (`as: event`). Built once per configuration.
 */
import { EVENT_TYPES } from '../../events/cloudevent';
import { buildFinding, FINDING_CLASS, OCSF_VERSION, severityFromWord, type SeverityId, type StatusId } from '../ocsf';
import { compact, lookup } from '../read';
import { TRANSITION_EVENT_TYPES, type FindingTransition, type Mapper } from '../types';
import { compilePath, readPath } from './path';
import { epochOf } from './time';
import { type GenericMapperConfig, SEVERITY_WORDS, type STATUSES } from './schema';

export { genericMapperSchema, type GenericMapperConfig } from './schema';

type Status = (typeof STATUSES)[number];
const STATUS_IDS: Record<Status, StatusId> = { new: 1, in_progress: 2, suppressed: 3, resolved: 4 };
/** Status words understood without a map. */
const STATUS_WORDS: Record<string, Status> = {
  new: 'new', open: 'new', active: 'new', triggered: 'new', firing: 'new',
  in_progress: 'in_progress', acknowledged: 'in_progress', investigating: 'in_progress',
  suppressed: 'suppressed', dismissed: 'suppressed', ignored: 'suppressed', false_positive: 'suppressed',
  resolved: 'resolved', closed: 'resolved', fixed: 'resolved', done: 'resolved',
};
const SEVERITY_IDS = Object.fromEntries(SEVERITY_WORDS.map((w, i) => [w, (i < 7 ? i : 99) as SeverityId]));

/** A scalar as text: strings as they are, numbers and booleans in their JSON form. */
const text = (v: unknown): string | undefined =>
  typeof v === 'string' ? (v.length > 0 ? v : undefined) : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;

/** A reader for an optional path, and a value map with lower-cased keys. */
const reader = (p: string | undefined) => {
  if (p === undefined) return () => undefined;
  const segments = compilePath(p);
  return (root: unknown) => readPath(root, segments);
};
const lowerKeys = <V>(map: Record<string, V> | undefined): Record<string, V> =>
  Object.fromEntries(Object.entries(map ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
const fieldOf = (f: string | { path: string; map?: Record<string, unknown> } | undefined) =>
  typeof f === 'string' ? { read: reader(f), map: {} } : { read: reader(f?.path), map: lowerKeys(f?.map) };

/**
 * One part of a uid made of several: a ":" or "%" inside it is written %3A or %25, so that two
 * different lists of values never join into one uid (["a:b", "c"] and ["a", "b:c"] were both
 * "a:b:c", two findings a ticket destination took for one). Values without either, nearly all of
 * them, are unchanged; a uid of one part is the value as it is.
 */
const uidPart = (value: string): string => value.replace(/[%:]/g, (c) => (c === ':' ? '%3A' : '%25'));

export function genericMapper(config: GenericMapperConfig): Mapper {
  const uids = (config.uid === undefined ? [] : Array.isArray(config.uid) ? config.uid : [config.uid]).map(reader);
  const title = reader(config.title);
  const desc = reader(config.description);
  const url = reader(config.url);
  const time = reader(config.time);
  const subject = reader(config.subject);
  const severity = fieldOf(config.severity);
  const status = fieldOf(config.status);
  const event = typeof config.event === 'object' ? { ...fieldOf(config.event), fallback: config.event.default } : undefined;
  const resource = config.resource && { type: config.resource.type, uid: reader(config.resource.uid), name: reader(config.resource.name) };
  const product = { name: config.product?.name ?? 'Webhook', vendor_name: config.product?.vendor ?? 'Unknown' };

  return (input) => {
    const p = input.payload;
    const ms = epochOf(time(p));
    const iso = ms === undefined ? undefined : new Date(ms).toISOString();
    if (config.as === 'event') return compact({ type: EVENT_TYPES.webhookReceived, subject: text(subject(p)), time: iso, data: p });
    const parts = uids.map((r) => text(r(p)));
    if (parts.length === 0 || parts.some((x) => x === undefined)) return undefined;
    const uid = parts.length === 1 ? parts[0]! : (parts as string[]).map(uidPart).join(':');
    const sevValue = text(severity.read(p))?.toLowerCase();
    const sev = lookup(severity.map, sevValue) ?? sevValue;
    const severityId = (typeof sev === 'number' ? sev as SeverityId : lookup(SEVERITY_IDS, sev) ?? severityFromWord(sev)) ?? 0;
    const statusText = text(status.read(p));
    const st = (lookup(status.map, statusText?.toLowerCase()) ?? lookup(STATUS_WORDS, statusText?.toLowerCase())) as Status | undefined;
    const closed = st === 'resolved' || st === 'suppressed';
    const transition: FindingTransition = typeof config.event === 'string' ? config.event
      : (event && ((lookup(event.map, text(event.read(p))?.toLowerCase()) as FindingTransition | undefined) ?? event.fallback)) ?? (closed ? 'resolved' : 'updated');
    const data = buildFinding({
      cls: FINDING_CLASS.detection,
      transition,
      severityId,
      statusId: st === undefined ? 0 : STATUS_IDS[st],
      statusDetail: statusText,
      time: ms ?? input.receivedAt,
      finding_info: compact({ uid, title: text(title(p)) ?? `Finding ${uid}`, desc: text(desc(p)), src_url: text(url(p)) }),
      resources: resource && [compact({ type: resource.type, uid: text(resource.uid(p)), name: text(resource.name(p)) })],
      metadata: compact({
        version: OCSF_VERSION, product, uid: input.deliveryId, event_code: input.event,
        original_time: ms === undefined ? undefined : text(time(p)), logged_time: input.receivedAt,
      }),
    });
    return compact({ type: TRANSITION_EVENT_TYPES[transition], subject: text(subject(p)) ?? uid, time: iso, data });
  };
}

/**
 * A finding of a Security Hub "Findings Imported V2" event. The newer Security Hub (not Security
 * Hub CSPM, which sends ASFF) sends one finding per event, already in OCSF, in the version its
 * `metadata.version` names:
 *   event:      https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-v2-cwe-event-formats.html
 *   attributes: https://docs.aws.amazon.com/securityhub/latest/userguide/ocsf-findings.html
 * The finding is published as it came, once the attributes that routes, connectors and event keys
 * rely on are checked; this mapper only fills gaps in `metadata` and never overwrites the vendor's
 * values (the declared OCSF version included), except the activity of a Create the caller knows
 * repeats an earlier report (AwsInput.reported), written as an Update.
 */
import { ACTIVITY, SEVERITY } from '../ocsf';
import { compact, inRfc3339Range, lookup, num, obj, str, type Json } from '../read';
import { TRANSITION_EVENT_TYPES, type FindingTransition, type MappedEvent } from '../types';
import { revisionOf } from './asff-revision';
import { isArn, reportedTransition, type AwsInput } from './common';

/**
 * What BatchUpdateFindingsV2 writes (Comment, SeverityId, StatusId) without moving `time` or
 * `finding_info.modified_time` (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchUpdateFindingsV2.html),
 * and the activity, which with the status decides the transition: the last part of the event key,
 * so an analyst's change is a new event and a redelivery the same one (as asff-revision.ts).
 */
export const OCSF_REVISION_FIELDS = ['activity_id', 'comment', 'severity_id', 'status_id'] as const;

/** Finding status_id Suppressed 3, Resolved 4, and (OCSF 1.4+) Archived 5, Deleted 6: closed. */
const CLOSED_STATUS = new Set([3, 4, 5, 6]);

/** Findings category classes: class_uid = category_uid (2) * 1000 + class number. */
const isFindingClass = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 2000 && (v as number) < 3000;

/** The finding's uid, as Security Hub identifies a V2 finding (OcsfFindingIdentifier: product, account, finding). */
function uidOf(f: Json, own: string): string | undefined {
  // An ARN (GuardDuty, Inspector, controls) is unique as is and is the finding's uid on the
  // ASFF and GuardDuty paths too; other ids are unique only within a product and account.
  if (isArn(own)) return own;
  const product = str(obj(obj(f.metadata)?.product)?.uid);
  const account = str(obj(obj(f.cloud)?.account)?.uid);
  return product === undefined || account === undefined ? undefined : `${product}/${account}/${own}`;
}

/** Close activity or a closed status: resolved; Create while New (or unset): created; else updated. */
function transitionOf(f: Json): FindingTransition {
  const status = num(f.status_id);
  if (f.activity_id === 3 || (status !== undefined && CLOSED_STATUS.has(status))) return 'resolved';
  return f.activity_id === 1 && (status === undefined || status <= 1) ? 'created' : 'updated';
}

/**
 * The activity members of an Update, as Security Hub writes them on its own updates, for a Create
 * of a finding the caller knows was reported before (AwsInput.reported).
 */
function asUpdate(f: Json): Json {
  const { id, name } = ACTIVITY.updated;
  const className = str(f.class_name);
  return { activity_id: id, activity_name: name, type_uid: (f.class_uid as number) * 100 + id, type_name: className === undefined ? undefined : `${className}: ${name}` };
}

/**
 * One OCSF finding -> a MappedEvent keyed `uid@time#revision`; undefined unless it has a Findings
 * class_uid, finding_info.uid, an OCSF severity_id, a `time` in epoch ms that RFC 3339 can write,
 * and metadata with a version and a product (OCSF requires all of them).
 */
export function mapOcsfFinding(finding: unknown, input: AwsInput): MappedEvent | undefined {
  const f = obj(finding);
  const info = obj(f?.finding_info);
  const metadata = obj(f?.metadata);
  const own = str(info?.uid);
  const time = num(f?.time);
  if (f === undefined || info === undefined || metadata === undefined || own === undefined || time === undefined) return undefined;
  if (!isFindingClass(f.class_uid) || !Number.isInteger(f.severity_id) || lookup(SEVERITY, String(f.severity_id)) === undefined) return undefined;
  if (!inRfc3339Range(time) || str(metadata.version) === undefined || obj(metadata.product) === undefined) return undefined;
  const uid = uidOf(f, own);
  if (uid === undefined) return undefined;
  const at = new Date(time).toISOString();
  const vendor = transitionOf(f);
  const transition = reportedTransition(input, uid, vendor);
  const data = compact({
    ...f,
    ...(transition === vendor ? {} : asUpdate(f)),
    finding_info: uid === own ? info : { ...info, uid },
    metadata: compact({
      ...metadata,
      uid: metadata.uid ?? input.deliveryId,
      event_code: metadata.event_code ?? input.eventCode,
      logged_time: metadata.logged_time ?? input.receivedAt,
    }),
    // The product's own id, when the uid had to be qualified with product and account.
    unmapped: uid === own ? f.unmapped : { ...obj(f.unmapped), product_finding_uid: own },
  });
  return {
    type: TRANSITION_EVENT_TYPES[transition],
    subject: uid,
    time: at,
    data,
    key: `${uid}@${at}#${revisionOf(f, OCSF_REVISION_FIELDS)}`,
  };
}

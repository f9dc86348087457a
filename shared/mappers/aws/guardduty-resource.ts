/**
 * A GuardDuty finding's `resource` (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Resource.html)
 * -> OCSF resources. `resourceType` says which details block is the affected resource: an S3
 * finding also carries the access key that made the calls (and GuardDuty's sample findings carry
 * every block), so reading whichever block is present would describe the wrong resource.
 */
import type { ResourceDetails } from '../ocsf';
import { arr, compact, obj, str, type Json } from '../read';
import { summarize } from './common';

interface Where {
  partition: string;
  region: string | undefined;
  account: string | undefined;
}

interface Identity {
  uid: string | undefined;
  name: string | undefined;
  details: Json | undefined;
}

const instance = (r: Json, at: Where): Identity[] => {
  const details = obj(r.instanceDetails);
  const id = str(details?.instanceId);
  const uid = id && at.region && at.account ? `arn:${at.partition}:ec2:${at.region}:${at.account}:instance/${id}` : id;
  return details === undefined ? [] : [{ uid, name: undefined, details }];
};

const accessKey = (r: Json): Identity[] => {
  const details = obj(r.accessKeyDetails);
  const user = str(details?.userName);
  return details === undefined ? [] : [{ uid: user ?? str(details.accessKeyId), name: user, details }];
};

/** Every bucket the finding names (S3 findings may name several), each its own resource. */
const buckets = (r: Json): Identity[] =>
  arr(r.s3BucketDetails).map(obj).filter((b): b is Json => b !== undefined)
    .map((b) => ({ uid: str(b.arn), name: str(b.name), details: b }));

const cluster = (r: Json): Identity[] => {
  const details = obj(r.eksClusterDetails);
  return details === undefined ? [] : [{ uid: str(details.arn), name: str(details.name), details }];
};

const BY_TYPE: Record<string, (r: Json, at: Where) => Identity[]> = {
  Instance: instance,
  AccessKey: accessKey,
  S3Bucket: buckets,
  EKSCluster: cluster,
};

export function guardDutyResources(f: Json, at: Where): ResourceDetails[] {
  const r = obj(f.resource);
  const type = str(r?.resourceType);
  if (r === undefined || type === undefined) return [];
  const own = Object.hasOwn(BY_TYPE, type) ? BY_TYPE[type]!(r, at) : [];
  // Another kind (ECS, Lambda, RDS, ...), or a known kind without its block: the first block present.
  const found = own.length > 0 ? own : [...instance(r, at), ...buckets(r).slice(0, 1), ...cluster(r), ...accessKey(r)].slice(0, 1);
  const identities: Identity[] = found.length > 0 ? found : [{ uid: undefined, name: undefined, details: undefined }];
  return identities.map((id) => compact({
    type,
    uid: id.uid,
    name: id.name,
    region: at.region,
    cloud_partition: at.partition,
    data: summarize(id.details),
  }));
}

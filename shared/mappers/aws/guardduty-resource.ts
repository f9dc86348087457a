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

type Reader = (r: Json, at: Where) => Identity[];

const instance: Reader = (r, at) => {
  const details = obj(r.instanceDetails);
  const id = str(details?.instanceId);
  const uid = id && at.region && at.account ? `arn:${at.partition}:ec2:${at.region}:${at.account}:instance/${id}` : id;
  return details === undefined ? [] : [{ uid, name: undefined, details }];
};

const accessKey: Reader = (r) => {
  const details = obj(r.accessKeyDetails);
  const user = str(details?.userName);
  return details === undefined ? [] : [{ uid: user ?? str(details.accessKeyId), name: user, details }];
};

/** Every bucket the finding names (S3 findings may name several), each its own resource. */
const buckets: Reader = (r) =>
  arr(r.s3BucketDetails).map(obj).filter((b): b is Json => b !== undefined)
    .map((b) => ({ uid: str(b.arn), name: str(b.name), details: b }));

/** A block that names its resource by two of its members: an id (an ARN where there is one) and a name. */
const block = (key: string, uidKey: string, nameKey: string): Reader => (r) => {
  const details = obj(r[key]);
  return details === undefined ? [] : [{ uid: str(details[uidKey]), name: str(details[nameKey]), details }];
};

// Members per the API reference: EksClusterDetails, EcsClusterDetails, LambdaDetails,
// RdsDbInstanceDetails, RdsLimitlessDbDetails, Container.
const eksCluster = block('eksClusterDetails', 'arn', 'name');
const ecsCluster = block('ecsClusterDetails', 'arn', 'name');
const lambda = block('lambdaDetails', 'functionArn', 'functionName');
const rdsInstance = block('rdsDbInstanceDetails', 'dbInstanceArn', 'dbInstanceIdentifier');
const rdsLimitless = block('rdsLimitlessDbDetails', 'dbShardGroupArn', 'dbShardGroupIdentifier');
const container = block('containerDetails', 'id', 'name');

const BY_TYPE: Record<string, Reader> = {
  Instance: instance,
  AccessKey: accessKey,
  S3Bucket: buckets,
  EKSCluster: eksCluster,
  ECSCluster: ecsCluster,
  Lambda: lambda,
  RDSDBInstance: rdsInstance,
  RDSLimitlessDB: rdsLimitless,
  Container: container,
};

const firstBucket: Reader = (r, at) => buckets(r, at).slice(0, 1);
/**
 * For another kind, or a known kind without its block: the first block present, in this order.
 * The access key comes last: beside another block it is the caller, not the resource.
 */
const FALLBACK: Reader[] = [instance, firstBucket, eksCluster, ecsCluster, lambda, rdsInstance, rdsLimitless, container, accessKey];

export function guardDutyResources(f: Json, at: Where): ResourceDetails[] {
  const r = obj(f.resource);
  const type = str(r?.resourceType);
  if (r === undefined || type === undefined) return [];
  const own = Object.hasOwn(BY_TYPE, type) ? BY_TYPE[type]!(r, at) : [];
  const found = own.length > 0 ? own : FALLBACK.flatMap((read) => read(r, at)).slice(0, 1);
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

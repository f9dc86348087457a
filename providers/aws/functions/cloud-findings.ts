import { cloudFindings } from '../../../functions/cloud-findings/handler';
import { awsDeps } from '../deps';
import { awsEventBridge } from '../eventbridge';

/** EventBridge-triggered (Security Hub and GuardDuty findings rules, serverless.yml); throws on failure so Lambda retries. */
export const handler = awsEventBridge(cloudFindings, awsDeps);

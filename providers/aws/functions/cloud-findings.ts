import { cloudFindings } from '../../../functions/cloud-findings/handler';
import { awsDeps } from '../deps';
import { awsEventBridge, EVENTBRIDGE_MAX_ATTEMPTS } from '../eventbridge';

/**
 * EventBridge-triggered (Security Hub and GuardDuty findings rules, serverless.yml); throws a
 * retryable failure so Lambda retries, and its attempts are counted so the last one is kept as an
 * inbound dead letter (functions/cloud-findings/dead-letter.ts).
 */
export const handler = awsEventBridge(cloudFindings, awsDeps, { maxAttempts: EVENTBRIDGE_MAX_ATTEMPTS });

import { scheduler } from '../../../functions/scheduler/handler';
import { awsDeps } from '../deps';
import { awsSchedule } from '../schedule';

/**
 * The `schedules` of the configuration: an EventBridge rule fires this every minute
 * (serverless.yml `schedule: rate(1 minute)`); each tick runs whatever is due.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html
 */
export const handler = awsSchedule(scheduler, awsDeps);

import { AppError } from '../../shared/errors';
import { timeMs } from '../../shared/events/cloudevent';
import { isRfc3339 } from '../../shared/events/spec-checks';
import { obj, str, type Json } from '../../shared/mappers/read';

/**
 * The EventBridge event envelope (https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html):
 * the fields this capability relies on. Anything else is `invalid_event` (400, not retryable),
 * with the problems named by field, as powertools' parser envelopes point into the raw event.
 */
export interface EventBridgeEnvelope extends Json {
  id: string;
  source: string;
  'detail-type': string;
  account: string;
  region: string;
  time: string;
  detail: Json;
}

const invalid = (message: string, problems?: string[]) =>
  new AppError('invalid_event', message, { status: 400, retryable: false, extra: problems ? { problems } : {} });

export function parseEnvelope(body: string): EventBridgeEnvelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw invalid('The record is not JSON');
  }
  const event = obj(parsed);
  if (event === undefined) throw invalid('Not an EventBridge event: the record is not a JSON object');
  const problems: string[] = [];
  for (const field of ['id', 'source', 'detail-type', 'account', 'region', 'time'] as const) {
    if (str(event[field]) === undefined) problems.push(`${field}: required non-empty string`);
  }
  // The time stands in for a finding without UpdatedAt. Date.parse alone reads "12" as 2001-12-01
  // and a zoneless time in the host's zone; an RFC 3339 time it still cannot read (a year past
  // 275760) would fail the CloudEvent later.
  const time = str(event.time);
  if (time !== undefined && (!isRfc3339(time) || Number.isNaN(timeMs(time)))) problems.push('time: must be an RFC 3339 timestamp');
  if (obj(event.detail) === undefined) problems.push('detail: required JSON object');
  if (problems.length > 0) throw invalid(`Not an EventBridge event: ${problems.join('; ')}`, problems);
  return event as EventBridgeEnvelope;
}

/**
 * ASFF reports: `{"Findings": [...]}` (what `aws securityhub get-findings` and Trivy's ASFF
 * template write) or a bare array of findings. Each finding goes through the Security Hub
 * webhook mapper (shared/mappers/aws/asff.ts), so a finding has the same uid, class and shape
 * whether it arrives through EventBridge or in a file; its event type is the mapper's too
 * (an ASFF finding states its own life cycle: a RESOLVED one is secorch.finding.resolved).
 */
import { mapAsffFinding } from '../../mappers/aws';
import { obj, type Json } from '../../mappers/read';
import { ReportError, type ReportFinding } from '../types';
import { withProvenance, type ReportContext } from './finding';
import { pathOf, streamJson } from './json-stream';
import { isListOrNull, pointerOf } from './shape';

/** An ASFF finding: the attributes Security Hub requires to identify one. */
export const looksLikeAsff = (o: Json): boolean => 'ProductArn' in o || 'AwsAccountId' in o || typeof o.SchemaVersion === 'string';

/** One ASFF finding -> a report finding; report_invalid when it lacks Id, ProductArn or AwsAccountId. */
export function mapAsffRecord(ctx: ReportContext, value: unknown, pointer: string): ReportFinding {
  const f = obj(value);
  const event = f === undefined ? undefined : mapAsffFinding(f, { receivedAt: ctx.source.receivedAt, eventCode: 'asff.finding' });
  if (event === undefined) throw new ReportError('report_invalid', 'An ASFF finding needs Id, ProductArn and AwsAccountId', ctx.format, pointer);
  return withProvenance(ctx, event, pointer);
}

export function parseAsff(body: AsyncIterable<Uint8Array>, ctx: ReportContext, first: string): AsyncGenerator<ReportFinding> {
  return streamJson<ReportFinding>(body, 'asff', (out) => ({
    paths: [first === '[' ? '$.*' : '$.Findings.*'],
    onValue(info) {
      out.push(mapAsffRecord(ctx, info.value, pointerOf(pathOf(info))));
    },
    shape: {
      onStart(path, length, t) {
        if (length === 1 && path[0] === 'Findings' && !isListOrNull(t)) throw new ReportError('report_invalid', '`Findings` must be an array', 'asff', '/Findings');
      },
    },
  }));
}

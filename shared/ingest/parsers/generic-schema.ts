/**
 * The types a generic record's fields may have (see generic.ts), checked with zod/mini after the
 * keys are normalized: a wrongly typed field is report_invalid with a pointer to it, rather
 * than silently dropped. Unknown fields are allowed (they ride in `unmapped.fields`).
 */
import * as z from 'zod/mini';
import type { Json } from '../../mappers/read';
import { ReportError, type ReportFormat } from '../types';

const text = z.optional(z.union([z.string(), z.number(), z.boolean()]));
const lineNo = z.optional(z.union([z.number().check(z.int(), z.nonnegative()), z.string().check(z.regex(/^\d+$/))]));

const genericSchema = z.looseObject({
  title: text, rule: text, severity: text, id: text, fingerprint: text, description: text,
  file: text, line: lineNo, end_line: lineNo, column: lineNo,
  cve: text, package: text, version: text, fixed_version: text, url: text, tool: text, status: text, time: text,
  resource: z.optional(z.union([z.string(), z.number(), z.looseObject({ type: z.optional(z.string()), id: text, uid: text, name: z.optional(z.string()) })])),
  location: z.optional(z.union([
    z.string(),
    z.looseObject({ path: z.optional(z.string()), file: z.optional(z.string()), uri: z.optional(z.string()), line: lineNo, start_line: lineNo, end_line: lineNo, column: lineNo }),
  ])),
});

export function checkGeneric(record: Json, format: ReportFormat, pointer: string): void {
  const parsed = genericSchema.safeParse(record);
  if (parsed.success) return;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.map(String).join('/');
  throw new ReportError('report_invalid', `Field \`${field}\`: ${issue.message}`, format, `${pointer}/${field}`);
}

/**
 * `mapper: { type: generic, ... }`: a source's field paths into its JSON body, checked when the
 * configuration is validated (a bad path is an error naming it). Reference: README, "Mappers".
 */
import * as z from 'zod/mini';
import { pathProblem } from './path';

const path = z.string().check(z.superRefine((value, ctx) => {
  const problem = pathProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: value });
}));

export const TRANSITIONS = ['created', 'updated', 'resolved'] as const;
export const STATUSES = ['new', 'in_progress', 'suppressed', 'resolved'] as const;
/** OCSF severity captions, or their ids 0-6 and 99. */
export const SEVERITY_WORDS = ['unknown', 'informational', 'low', 'medium', 'high', 'critical', 'fatal', 'other'] as const;

const transition = z.enum(TRANSITIONS, { error: `must be one of ${TRANSITIONS.join(', ')}` });
const severityValue = z.union([
  z.enum(SEVERITY_WORDS),
  z.number().check(z.refine((n) => [0, 1, 2, 3, 4, 5, 6, 99].includes(n), 'a severity_id is 0-6 or 99')),
], { error: `must be an OCSF severity in lower case (${SEVERITY_WORDS.join(', ')}) or a severity_id (0-6 or 99)` });
const status = z.enum(STATUSES, { error: `must be one of ${STATUSES.join(', ')}` });

/** A path whose value is looked up in `map` (keys compared case-insensitively). */
const mapped = <T extends z.ZodMiniType>(value: T) => z.strictObject({ path, map: z.optional(z.record(z.string(), value)) });

/**
 * A setting that is either a string (`whenString`) or an object (`whenObject`). The input's type
 * picks the schema, so the object's errors keep their paths (`severity.map.p1: must be ...`); a
 * union would report only "Invalid input" for the whole setting once both branches fail.
 */
function stringOrObject<S extends z.ZodMiniType<string>, O extends z.ZodMiniType>(whenString: S, whenObject: O, expected: string) {
  return z.pipe(
    z.union([z.string(), z.record(z.string(), z.unknown())], { error: `must be ${expected}` }),
    z.transform((value, ctx): z.output<S> | z.output<O> => {
      const parsed = (typeof value === 'string' ? whenString : whenObject).safeParse(value);
      if (parsed.success) return parsed.data as z.output<S> | z.output<O>;
      for (const issue of parsed.error.issues) ctx.issues.push({ ...issue, input: value } as (typeof ctx.issues)[number]);
      return z.NEVER;
    }),
  );
}

export const genericMapperSchema = z.strictObject({
  type: z.literal('generic'),
  /** finding (default): an OCSF Detection Finding; event: the body as secorch.webhook.received. */
  as: z._default(z.enum(['finding', 'event']), 'finding'),
  /** metadata.product of the findings. */
  product: z.optional(z.strictObject({ name: z.string().check(z.minLength(1)), vendor: z.string().check(z.minLength(1)) })),
  /** The finding uid: one path, or several whose values are joined with ":" (a ":" or "%" in a value escaped: index.ts uidPart). */
  uid: z.optional(z.union([path, z.array(path).check(z.minLength(1))])),
  title: z.optional(path),
  description: z.optional(path),
  url: z.optional(path),
  /** RFC 3339 string, or epoch seconds / milliseconds. */
  time: z.optional(path),
  /** The CloudEvent subject; defaults to the finding uid. */
  subject: z.optional(path),
  /** created / updated / resolved: a constant, or a path with a value map. */
  event: z.optional(stringOrObject(
    transition,
    z.strictObject({ path, map: z.record(z.string(), transition), default: z.optional(transition) }),
    `${TRANSITIONS.join(', ')}, or { path, map, default }`,
  )),
  severity: z.optional(stringOrObject(path, mapped(severityValue), 'a path, or { path, map }')),
  status: z.optional(stringOrObject(path, mapped(status), 'a path, or { path, map }')),
  resource: z.optional(z.strictObject({ type: z.string().check(z.minLength(1)), uid: z.optional(path), name: z.optional(path) })),
}).check(z.superRefine((config, ctx) => {
  if (config.as === 'finding' && config.uid === undefined) {
    ctx.addIssue({ code: 'custom', path: ['uid'], message: 'required: a finding needs a uid path (or set as: event)', input: config });
  }
}));

export type GenericMapperConfig = z.output<typeof genericMapperSchema>;

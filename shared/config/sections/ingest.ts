import * as z from 'zod/mini';

/**
 * `ingest`: reports dropped in buckets (storage-ingest). Reports become `secorch.finding.*`
 * events; a bad report becomes a `secorch.system.ingest.failed` event and is moved under the
 * quarantine prefix.
 */
export const ingestSchema = z.strictObject({
  /** Tenant of the findings ingested. */
  tenant: z._default(z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,128}$/)), 'default'),
  /** Where bad reports are moved, in the same bucket; keys under it are never ingested. */
  quarantinePrefix: z._default(z.string().check(z.minLength(1)), 'quarantine/'),
  /** Reports larger than this are refused (default 1 GiB). */
  maxObjectBytes: z._default(z.number().check(z.int(), z.positive()), 1024 ** 3),
  /** Keys that are ingested (prefixes); unset = every key outside the quarantine prefix. */
  prefixes: z.optional(z.array(z.string()).check(z.minLength(1))),
});

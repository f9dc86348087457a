import * as z from 'zod/mini';
import { dedupeTtlSeconds } from './dedupe';

/**
 * `ingest`: reports dropped in buckets (storage-ingest). Reports become `secorch.finding.*`
 * events; a bad report becomes a `secorch.system.ingest.failed` event and is moved under the
 * quarantine prefix.
 */
export const ingestSchema = z.strictObject({
  /** Tenant of the findings ingested. */
  tenant: z._default(z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,128}$/)), 'default'),
  /**
   * Where bad reports are moved, in the same bucket; keys under it are never ingested. Bounded so
   * that a quarantine key under it always fits a store's key (1024 bytes) and file name (255
   * bytes a segment locally), shortened if need be (functions/storage-ingest/quarantine.ts).
   */
  quarantinePrefix: z._default(z.string().check(
    z.minLength(1),
    z.refine((p) => Buffer.byteLength(p) <= 512, 'must be at most 512 bytes (quarantine keys stay within 1024)'),
    z.refine((p) => p.split('/').every((s) => Buffer.byteLength(s) <= 150), 'each segment must be at most 150 bytes (a file name is at most 255, with room for the key)'),
  ), 'quarantine/'),
  /** Reports larger than this are refused (default 1 GiB). */
  maxObjectBytes: z._default(z.number().check(z.int(), z.positive()), 1024 ** 3),
  /** Keys that are ingested (prefixes); unset = every key outside the quarantine prefix. */
  prefixes: z.optional(z.array(z.string()).check(z.minLength(1))),
  /**
   * How long one attempt may hold an object before another may take it over (default 900 s,
   * Lambda's longest run). A failed attempt releases it at once; this covers a killed process.
   */
  leaseSeconds: z.optional(z.number().check(z.int(), z.positive(), z.lte(24 * 3600))),
  /** How long an ingested object version is remembered, so a redelivery publishes nothing (default 30 days, at most a year). */
  dedupeTtlSeconds: z.optional(dedupeTtlSeconds),
  /** Findings published at once (default 16): bounds memory on a large report. */
  publishConcurrency: z.optional(z.number().check(z.int(), z.positive(), z.lte(256))),
});

export type IngestConfig = z.output<typeof ingestSchema>;

export const INGEST_DEFAULTS = {
  tenant: 'default',
  quarantinePrefix: 'quarantine/',
  maxObjectBytes: 1024 ** 3,
  leaseSeconds: 900,
  dedupeTtlSeconds: 30 * 24 * 3600,
  publishConcurrency: 16,
} as const;

export type IngestSettings = Required<Omit<IngestConfig, 'prefixes'>> & Pick<IngestConfig, 'prefixes'>;

/**
 * The section with every default filled in. The optional settings are resolved here rather than
 * with schema defaults because the schema's default for an absent `ingest:` section is a literal
 * object (zod returns it without parsing it).
 */
export const ingestSettings = (config: Partial<IngestConfig> | undefined): IngestSettings => ({
  ...INGEST_DEFAULTS,
  ...Object.fromEntries(Object.entries(config ?? {}).filter(([, v]) => v !== undefined)),
}) as IngestSettings;

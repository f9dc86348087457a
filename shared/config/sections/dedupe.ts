import * as z from 'zod/mini';

/**
 * The longest a delivery id (`sources.<id>.dedupeTtlSeconds`) or an ingested object version
 * (`ingest.dedupeTtlSeconds`) is remembered: a year. Senders give up retrying within days (Stripe
 * after three), so a year only bounds what is kept. Unbounded, a TTL could pass what a state store
 * takes (shared/ports/store.ts MAX_TTL_SECONDS): every record write failed, and a replayed
 * delivery or a redelivered object went through again.
 */
export const MAX_DEDUPE_TTL_SECONDS = 365 * 24 * 3600;

export const dedupeTtlSeconds = z.number().check(
  z.int(),
  z.positive(),
  z.lte(MAX_DEDUPE_TTL_SECONDS, `must be at most ${MAX_DEDUPE_TTL_SECONDS} (a year)`),
);

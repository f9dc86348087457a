import * as z from 'zod/mini';

/**
 * Configuration pieces the scheme schemas share. Every scheme accepts `secret` or `secrets`
 * (rotation: any one verifies); compileConfig checks that exactly one is given.
 */
export const secretList = {
  secret: z.optional(z.string().check(z.minLength(1))),
  secrets: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
};

export const positiveSeconds = z.number().check(z.int(), z.positive());

/**
 * The longest timestamp tolerance, 30 days. Senders sign when they send and re-sign retries, so
 * their windows are minutes (Stripe 300 s, Slack and Standard Webhooks 5 minutes); a month leaves
 * room for a slow queue in between. Replay records live twice the tolerance plus a second
 * (functions/webhook-ingress/replay.ts): an unbounded one outgrew what a state store keeps
 * (shared/ports/store.ts MAX_TTL_SECONDS), the records could not be written and replays went through.
 */
export const MAX_TOLERANCE_SECONDS = 30 * 24 * 3600;
export const toleranceSeconds = positiveSeconds.check(z.lte(MAX_TOLERANCE_SECONDS, `must be at most ${MAX_TOLERANCE_SECONDS} (30 days)`));
export const headerName = z.string().check(z.regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be an HTTP header name'));

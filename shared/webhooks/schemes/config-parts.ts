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
export const headerName = z.string().check(z.regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be an HTTP header name'));

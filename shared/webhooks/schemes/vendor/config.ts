import * as z from 'zod/mini';
import { headerName, secretList, toleranceSeconds } from '../config-parts';

/**
 * Configuration schemas of the vendor schemes (one strictObject per scheme, discriminated by
 * `scheme`). Every scheme takes `secret` or `secrets` (rotation: any one verifies). Defaults are
 * applied by the builders, so a configuration written in a test is the one users write.
 */
const tolerance = { toleranceSeconds: z.optional(toleranceSeconds) };

const stripe = z.strictObject({ scheme: z.literal('stripe'), ...secretList, ...tolerance });
const slack = z.strictObject({ scheme: z.literal('slack'), ...secretList, ...tolerance });
const shopify = z.strictObject({
  scheme: z.literal('shopify'),
  ...secretList,
  /** Header with the base64 HMAC; default X-Shopify-Hmac-Sha256 (Shopify Events: Shopify-Hmac-Sha256). */
  header: z.optional(headerName),
  /** Header with the delivery id; default X-Shopify-Webhook-Id (Shopify Events: Shopify-Webhook-Id). */
  idHeader: z.optional(headerName),
});
const twilio = z.strictObject({
  scheme: z.literal('twilio'),
  ...secretList,
  /**
   * The public URL entered in the Twilio console, without query string (the request's query is
   * appended). Overrides the URL the request arrived on, which proxies rewrite.
   */
  url: z.optional(z.url({ protocol: /^https?$/ })),
});
const pagerduty = z.strictObject({ scheme: z.literal('pagerduty'), ...secretList });
const zendesk = z.strictObject({ scheme: z.literal('zendesk'), ...secretList, ...tolerance });
const sentry = z.strictObject({ scheme: z.literal('sentry'), ...secretList });
const jira = z.strictObject({ scheme: z.literal('jira'), ...secretList });
const gitlab = z.strictObject({ scheme: z.literal('gitlab'), ...secretList });

export const vendorVerifySchemas = [stripe, slack, shopify, twilio, pagerduty, zendesk, sentry, jira, gitlab] as const;

export type VendorVerifyConfig = z.output<(typeof vendorVerifySchemas)[number]>;
export type VendorScheme = VendorVerifyConfig['scheme'];
export type VendorConfig<S extends VendorScheme> = Extract<VendorVerifyConfig, { scheme: S }>;

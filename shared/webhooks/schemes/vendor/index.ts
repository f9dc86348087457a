import { type Scheme, type SchemeEnv, verifierOnly } from '../../scheme';
import type { VendorConfig, VendorScheme } from './config';
import { gitlabVerifier } from './gitlab';
import { jiraVerifier } from './jira';
import { pagerdutyVerifier } from './pagerduty';
import { sentryVerifier } from './sentry';
import { shopifyVerifier } from './shopify';
import { slackScheme } from './slack';
import { stripeVerifier } from './stripe';
import { twilioVerifier } from './twilio';
import { zendeskVerifier } from './zendesk';

/** A builder per vendor scheme, typed with that scheme's own configuration. */
export type VendorBuilders = { [S in VendorScheme]: (config: VendorConfig<S>, env: SchemeEnv) => Scheme };

const builders = {
  stripe: (c) => verifierOnly(stripeVerifier(c)),
  slack: (c) => slackScheme(c),
  shopify: (c) => verifierOnly(shopifyVerifier(c)),
  twilio: (c) => verifierOnly(twilioVerifier(c)),
  pagerduty: (c) => verifierOnly(pagerdutyVerifier(c)),
  zendesk: (c) => verifierOnly(zendeskVerifier(c)),
  sentry: (c) => verifierOnly(sentryVerifier(c)),
  jira: (c) => verifierOnly(jiraVerifier(c)),
  gitlab: (c) => verifierOnly(gitlabVerifier(c)),
} satisfies VendorBuilders;

/**
 * Builders of the vendor schemes, by scheme name. `satisfies` above checks one builder per
 * schema of ./config; the wide type here is what registry.ts indexes by any scheme name.
 */
export const vendorSchemes: Readonly<Record<string, (config: never, env: SchemeEnv) => Scheme>> = builders;

export { gitlabVerifier, jiraVerifier, pagerdutyVerifier, sentryVerifier, shopifyVerifier, stripeVerifier, twilioVerifier, zendeskVerifier };
export { slackReply, slackScheme, slackVerifier } from './slack';
export type { VendorConfig, VendorScheme, VendorVerifyConfig } from './config';

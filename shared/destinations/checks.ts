import type { Config } from '../config';
import { auth0TransportFor } from '../connectors/auth0/transport';
import { entraTransportFor } from '../connectors/entra/transport';
import { jiraTransport } from '../connectors/jira/transport';
import { oktaTransportFor } from '../connectors/okta/transport';
import { servicenowCheck } from '../connectors/servicenow/destination';
import { slackCheck } from '../connectors/slack/destination';
import type { CheckResult } from '../connectors/types';
import type { Deps } from '../ports';

export interface DestinationCheck {
  name: string;
  check: () => Promise<void>;
}

/** A connector check as a probe: rejects with the connector's typed reason when it fails. */
const probe = (run: () => Promise<CheckResult>) => async () => {
  const r = await run();
  if (!r.ok) throw Object.assign(new Error(r.error?.message ?? 'check failed'), { code: r.error?.code });
};

/**
 * The readiness checks of configured destinations that can be checked without side effects: one
 * authenticated read per connector (Jira GET /myself, ServiceNow one sys_id of the table, Slack
 * auth.test for a bot token, Okta, Entra ID and Auth0 one read with the configured credentials),
 * and each archive bucket once. The identity connectors are probed through the transport their
 * destination and sync use (identity/transport-cache.ts): an OAuth token is requested once and
 * renewed as it expires, not on every probe, which a load balancer may send every few seconds
 * from every instance against the vendor's token endpoint limits (and, with DPoP, a new key pair
 * each time). Webhook-style destinations (Teams, Slack and PagerDuty webhooks) and generic
 * REST/GraphQL have no call known to be free of side effects, so they are not probed.
 */
export function destinationChecks(config: Config, deps: Deps): DestinationCheck[] {
  const checks: DestinationCheck[] = [];
  const buckets = new Set<string>();
  for (const [name, dest] of Object.entries(config.destinations)) {
    switch (dest.type) {
      case 'archive':
        buckets.add(dest.bucket);
        break;
      case 'jira':
        checks.push({ name: `destination:${name}`, check: probe(() => jiraTransport(name, dest, deps).check()) });
        break;
      case 'servicenow':
        checks.push({ name: `destination:${name}`, check: probe(() => servicenowCheck(name, dest, deps)) });
        break;
      case 'okta':
        checks.push({ name: `destination:${name}`, check: probe(() => oktaTransportFor(name, dest, deps).check()) });
        break;
      case 'entra':
        checks.push({ name: `destination:${name}`, check: probe(() => entraTransportFor(name, dest, deps).check()) });
        break;
      case 'auth0':
        checks.push({ name: `destination:${name}`, check: probe(() => auth0TransportFor(name, dest, deps).check()) });
        break;
      case 'slack':
        if (dest.token !== undefined) checks.push({ name: `destination:${name}`, check: probe(() => slackCheck(name, dest, deps)) });
        break;
    }
  }
  for (const bucket of buckets) {
    checks.push({
      name: `objects:${bucket}`,
      check: () => (deps.objects ? deps.objects.check(bucket) : Promise.reject(new Error('no object storage in this runtime'))),
    });
  }
  return checks;
}

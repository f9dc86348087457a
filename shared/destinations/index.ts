import type { Config } from '../config';
import { auth0Destination } from '../connectors/auth0/destination';
import { entraDestination } from '../connectors/entra/destination';
import { graphqlDestination } from '../connectors/graphql/destination';
import { jiraDestination } from '../connectors/jira/destination';
import { oktaDestination } from '../connectors/okta/destination';
import { pagerdutyDestination } from '../connectors/pagerduty/destination';
import { restDestination } from '../connectors/rest/destination';
import { servicenowDestination } from '../connectors/servicenow/destination';
import { slackDestination } from '../connectors/slack/destination';
import { teamsDestination } from '../connectors/teams/destination';
import { archiveDestination } from './archive';
import { fileDestination } from './file';
import type { Deliver } from './types';

export type { Deliver } from './types';
export { archiveConfigs, flushArchive, type ArchiveConfig, type FlushReport } from './archive';

/** Every configured destination's deliver function, built once per configuration. */
const built = new WeakMap<Config, Map<string, Deliver>>();

export function destinations(config: Config): Map<string, Deliver> {
  let map = built.get(config);
  if (!map) {
    map = new Map();
    for (const [name, dest] of Object.entries(config.destinations)) {
      switch (dest.type) {
        case 'file':
          map.set(name, fileDestination(name, dest));
          break;
        case 'archive':
          map.set(name, archiveDestination(name, dest));
          break;
        case 'jira':
          map.set(name, jiraDestination(name, dest));
          break;
        case 'servicenow':
          map.set(name, servicenowDestination(name, dest));
          break;
        case 'slack':
          map.set(name, slackDestination(name, dest));
          break;
        case 'teams':
          map.set(name, teamsDestination(name, dest));
          break;
        case 'pagerduty':
          map.set(name, pagerdutyDestination(name, dest));
          break;
        case 'okta':
          map.set(name, oktaDestination(name, dest));
          break;
        case 'entra':
          map.set(name, entraDestination(name, dest));
          break;
        case 'auth0':
          map.set(name, auth0Destination(name, dest));
          break;
        case 'rest':
          map.set(name, restDestination(name, dest));
          break;
        case 'graphql':
          map.set(name, graphqlDestination(name, dest));
          break;
      }
    }
    built.set(config, map);
  }
  return map;
}

import { at } from '../paginate/types';
import type { Transport } from '../types';

/**
 * GET /rest/api/3/myself (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-myself/#api-rest-api-3-myself-get):
 * the account's time zone, in which Jira reads the date literals of JQL (`updated >= "2030-01-01 10:00"`).
 */
export async function accountTimeZone(t: Transport): Promise<string> {
  const zone = at((await t.request({ path: '/rest/api/3/myself' })).body, 'timeZone');
  return typeof zone === 'string' && zone !== '' ? zone : 'UTC';
}

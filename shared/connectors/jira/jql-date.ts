/**
 * JQL date literals (`updated >= "2030-01-01 09:30"`) have minute precision and no time zone: Jira
 * reads them in the time zone of the account running the query
 * (https://support.atlassian.com/jira-software-cloud/docs/jql-fields/#Updated, and JRACLOUD-74279
 * for the request to change that). An instant is therefore written in that zone (GET /myself),
 * rounded down to the minute, so the literal never names a later instant than the one meant.
 * In a daylight-saving overlap the same wall time names two instants; Jira (java.time) takes the
 * earlier one, which only widens the window.
 */
export function jqlDate(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  }).formatToParts(ms);
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** Epoch ms of a Jira timestamp such as `2030-01-01T10:00:00.000+0000` (no colon in the offset). */
export function parseJiraTime(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const ms = Date.parse(v.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * URLs that are themselves credentials, made safe to log: redaction by field name never sees
 * them (a `url`, a `jwksUrl`, a driver's error message quoting its connection URL). What stays is
 * what an operator needs to tell one endpoint from another: scheme, host, port, the path with its
 * secret segments replaced, and the names (not values) of query parameters.
 *
 * - userinfo: the password (`redis://default:pw@host`), or a lone user that is a token
 *   (`https://ghp_x@github.com`);
 * - query values, all but a few known to be harmless: `sig=` of Azure SAS and Power Automate
 *   workflow URLs, `X-Amz-Signature`/`X-Amz-Credential` of pre-signed S3 links (Auth0 export
 *   downloads), `?api_key=`/`?token=`/`?code=` of generic endpoints;
 * - the fragment (`#access_token=` of implicit grants);
 * - path segments of incoming-webhook URLs whose path is the secret (Slack
 *   `/services/T…/B…/<secret>`, Teams/Office 365 `/webhookb2/…/IncomingWebhook/<hex>/<guid>`,
 *   Discord `/api/webhooks/<id>/<token>`), tokens after a `hooks`/`webhook` segment (Mattermost,
 *   Rocket.Chat, n8n), and anywhere a segment shaped like a random token:
 *   24+ characters of letters and digits mixing upper case, lower case and digits (identifiers
 *   such as UUIDs, hex ids, Jira keys and Okta ids do not mix all three or are shorter).
 */
export const URL_REDACTED = '[redacted]';

/** Query parameters whose values say how a link is signed or versioned, never what signs it. */
const HARMLESS_QUERY = new Set([
  'api-version', 'sv', 'ss', 'srt', 'sp', 'se', 'st', 'spr', 'sr',
  'x-amz-algorithm', 'x-amz-date', 'x-amz-expires', 'x-amz-signedheaders',
  'x-goog-algorithm', 'x-goog-date', 'x-goog-expires', 'x-goog-signedheaders',
]);

const TOKEN_SEGMENT = /^[A-Za-z0-9_-]{24,}$/;
const looksRandom = (s: string) => TOKEN_SEGMENT.test(s) && /[A-Z]/.test(s) && /[a-z]/.test(s) && /[0-9]/.test(s);
/**
 * Incoming-webhook URLs of self-hosted tools put their token after a `hooks` or `webhook` segment
 * in lower case (Mattermost: 26 letters and digits; Rocket.Chat: an id, then the token; n8n: a
 * UUID): there, any 16+ characters mixing letters and digits are the credential.
 */
const HOOK_SEGMENT = /^(?:web)?hooks?$/i;
const HOOK_TOKEN = /^(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{16,}$/;
const afterHookSegment = (segments: readonly string[], i: number) => segments.slice(0, i).some((s) => HOOK_SEGMENT.test(s));
/** Well-known credential prefixes, whatever their length. */
const TOKEN_PREFIX = /^(?:xox[abprse]-|xapp-|ghp_|gho_|ghu_|ghs_|github_pat_|glpat-|sk_live_|sk_test_|rk_live_|whsec_|AKIA[0-9A-Z]{12})/;

/** Which segments (by index, after the leading empty one) a host's webhook path keeps. */
function keepSegment(host: string, segments: readonly string[], i: number): boolean {
  const h = host.toLowerCase();
  const s = segments[i]!;
  if (h === 'hooks.slack.com' || h === 'hooks.slack-gov.com') return i === 0 || (i < 3 && /^[TBA][A-Z0-9]{6,12}$/.test(s));
  if (h.endsWith('.webhook.office.com') || h === 'outlook.office.com' || h === 'outlook.office365.com') return i === 0 || s === 'IncomingWebhook';
  if ((h === 'discord.com' || h === 'discordapp.com' || h.endsWith('.discord.com')) && segments[0] === 'api' && segments[1] === 'webhooks') return i < 3;
  return !looksRandom(s) && !TOKEN_PREFIX.test(s) && !(HOOK_TOKEN.test(s) && afterHookSegment(segments, i));
}

/** A URL path with its secret segments replaced; `host` selects the known webhook shapes. */
export function redactUrlPath(host: string, pathname: string): string {
  if (pathname === '' || pathname === '/') return pathname;
  const segments = pathname.split('/').slice(1);
  return `/${segments.map((s, i) => (s === '' || keepSegment(host, segments, i) ? s : URL_REDACTED)).join('/')}`;
}

function redactParsed(url: URL): string {
  const user = url.password ? `${url.username}:${URL_REDACTED}@` : url.username ? `${URL_REDACTED}@` : '';
  const scheme = url.href.startsWith(`${url.protocol}//`) ? `${url.protocol}//` : url.protocol;
  const path = url.host ? redactUrlPath(url.hostname, url.pathname) : url.pathname;
  let out = `${scheme}${user}${url.host}${path}`;
  if (url.search) {
    const params = [...url.searchParams.keys()].map((k) => `${encodeURIComponent(k)}=${HARMLESS_QUERY.has(k.toLowerCase()) ? encodeURIComponent(url.searchParams.get(k)!) : URL_REDACTED}`);
    out += `?${params.join('&')}`;
  }
  if (url.hash) out += `#${URL_REDACTED}`;
  return out;
}

/** Unparseable text after a scheme: keep up to the path, drop userinfo, query and fragment. */
function redactUnparsed(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, `$1${URL_REDACTED}@`).replace(/[?#].*$/s, `?${URL_REDACTED}`);
}

/** One absolute URL, safe to log. */
export function redactUrl(url: string | URL): string {
  if (url instanceof URL) return redactParsed(url);
  return URL.canParse(url) ? redactParsed(new URL(url)) : redactUnparsed(url);
}

// A scheme, `://`, then anything up to white space or a quote; trailing punctuation is prose.
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s"'<>`]+/gi;
const TRAILING = /[.,;:!)\]}]+$/;

/** Every absolute URL inside free text (an error message, a vendor's body), redacted. */
export function redactUrlsIn(text: string): string {
  if (!text.includes('://')) return text;
  return text.replace(URL_IN_TEXT, (found) => {
    const tail = TRAILING.exec(found)?.[0] ?? '';
    const url = tail ? found.slice(0, -tail.length) : found;
    return redactUrl(url) + tail;
  });
}

import { redactUrlsIn } from './url';

/**
 * Redaction of text: names that hold credentials, and credentials recognised by their shape in
 * any text. The walk over a log line's fields is ./redact.ts.
 *
 * Names: the names credentials go by in our configuration (`routingKey`, `webhookUrl`,
 * `clientSecret`, `privateKey`, `apiToken`), in vendor bodies (`routing_key`, `client_secret`,
 * `client_assertion`), in request headers (`x-functions-key`, `ocp-apim-subscription-key`,
 * `x-shopify-hmac-sha256`) and in client options (`auth: 'user:pass'`, `passphrase`). Keys that
 * only name a key (`keyId`, `dedupKey`, a store `key`) stay readable.
 */
const SECRET_KEY = new RegExp([
  'secret|token|passw|passphrase|pwd|signature|authorization|api[-_]?key|cookie|credential|private[-_]?key',
  'session|hmac|jwt|assertion|webhook[-_]?url',
  '(?:routing|integration|service|functions?|subscription|account|access|shared[-_]?access|master|signing|encryption|client|app)[-_]?key$',
  '^(?:[\\w-]*[-_])?auth$',
].join('|'), 'i');

/** Whether a field, header or parameter of this name holds a credential. */
export const isSecretName = (name: string): boolean => SECRET_KEY.test(name);

/**
 * Credentials recognised by their shape, in any text: whsec_/whpk_ secrets; a credential after
 * the Bearer, DPoP or SSWS (Okta API token) scheme; sha256=/v1, style signature values; JWS
 * compact tokens (an access token or client assertion quoted without its scheme); Slack bot,
 * user and app tokens; Atlassian API tokens; GitHub tokens; Entra client secrets (three
 * characters, a digit, `Q~`, then 31 to 34 more).
 */
const SECRET_VALUE = new RegExp([
  String.raw`\b(?:whsec_|whpk_|whsk_)[A-Za-z0-9+/=_-]+`,
  String.raw`\b(?:Bearer|DPoP|SSWS)\s+[A-Za-z0-9._~+/=-]+`,
  String.raw`\b(?:sha1|sha256|sha512|v1)[=,][A-Za-z0-9+/=]{16,}`,
  String.raw`\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`,
  String.raw`\bxox[abposre]-[A-Za-z0-9-]{8,}`,
  String.raw`\bxapp-[A-Za-z0-9-]{8,}`,
  String.raw`\bATATT[A-Za-z0-9_=-]{16,}`,
  String.raw`\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})`,
  String.raw`(?<![\w~.-])[\w~.-]{3}\dQ~[\w~.-]{31,34}`,
].join('|'), 'g');

/** `Basic` and its base64: redacted when it decodes to `user:password`, so prose stays. */
const BASIC = /\bBasic\s+([A-Za-z0-9+/]{4,}={0,2})/g;
const isBasicCredential = (b64: string) => Buffer.from(b64, 'base64').toString('latin1').includes(':');

/**
 * A request header quoted as a line (`Authorization: Token abc`, `Cookie: sid=...`), as HTTP
 * clients and vendors print a request: the value, to the end of the line, goes.
 */
const HEADER_LINE = /\b(authorization|proxy-authorization|cookie|set-cookie|x-api-key|x-auth-token|x-functions-key|ocp-apim-subscription-key|private-token)([ \t]*:[ \t]*)[^\r\n"]+/gi;

/**
 * A JSON member under a secret-looking name, as a vendor's body quoted in an error shows it
 * (`"routing_key":"..."`), also when that JSON is itself inside a JSON string (`\"token\":\"...\"`).
 */
const JSON_MEMBER = /(\\?"([A-Za-z_][\w.-]{0,63})\\?"\s*:\s*\\?")((?:[^"\\]|\\[^"])+)(?=\\?")/g;

/**
 * `name=value` under a secret-looking name: form bodies (`client_secret=...&`), and `Key=value;`
 * connection strings as drivers and SDKs quote them in their errors: Azure Storage
 * (`AccountKey=`, `SharedAccessSignature=`), Service Bus and Event Hubs (`SharedAccessKey=`),
 * ADO.NET and ODBC style (`Password=`, `Pwd=`). The name stays, the value goes.
 */
const PAIR = /\b([A-Za-z][\w.-]{0,63})=([^&\s"';,<>]+)/g;

export const REDACTED = '[redacted]';

/** A free-text value with every credential-shaped part (URLs: ./url.ts, and the above) replaced. */
export function redactText(text: string): string {
  // URLs first: what follows could leave `[redacted]` inside one, whose `]` would read as prose.
  let out = redactUrlsIn(text).replace(SECRET_VALUE, REDACTED);
  if (out.includes('Basic')) out = out.replace(BASIC, (m, b64: string) => (isBasicCredential(b64) ? REDACTED : m));
  if (out.includes(':')) out = out.replace(HEADER_LINE, `$1$2${REDACTED}`);
  if (out.includes('"')) out = out.replace(JSON_MEMBER, (m, head: string, name: string) => (SECRET_KEY.test(name) ? head + REDACTED : m));
  if (out.includes('=')) out = out.replace(PAIR, (m, name: string) => (SECRET_KEY.test(name) ? `${name}=${REDACTED}` : m));
  return out;
}

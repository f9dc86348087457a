import { errors } from '../../../errors';
import { any, fixedWidthSecrets, secretMatcher } from '../../../crypto/fixed-width';
import { header } from '../../timing-safe';
import type { Verifier } from '../../types';
import type { ApiKeyVerifyConfig, BasicAuthVerifyConfig } from './config';
import { deliveryIdReader } from './delivery-id';
import { credentialInvalid, credentialMissing } from './errors';

/**
 * Static credentials: an API key in a header, or HTTP Basic (RFC 7617). Compared at a fixed width
 * (fixed-width.ts), so neither the length of a configured key nor the position of a first
 * differing byte shows in the timing; every configured entry is compared on every request. A
 * valid credential is legitimately reused, so it is no replay key: give `idHeader`/`idPath` for
 * replay protection.
 */
const MIN_LENGTH = 16;

export function apiKeyVerifier(config: ApiKeyVerifyConfig): Verifier {
  if (config.keys.some((k) => k.length < MIN_LENGTH)) throw errors.config(`api-key: keys must be at least ${MIN_LENGTH} characters`);
  const matches = secretMatcher(config.keys);
  const readId = deliveryIdReader(config, 'api-key');
  return (input) => {
    const value = header(input.headers, config.header);
    if (value === undefined) throw credentialMissing(`The ${config.header} header`);
    if (!matches(value)) throw credentialInvalid();
    return { deliveryId: readId(input) };
  };
}

const CHALLENGE = 'Basic realm="webhooks", charset="UTF-8"';
const BASIC = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i;

/** user-id and password of a Basic credential (the user-id ends at the first colon, RFC 7617 section 2). */
function parseBasic(value: string | undefined): [string, string] | undefined {
  const m = value === undefined ? null : BASIC.exec(value);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

export function basicVerifier(config: BasicAuthVerifyConfig): Verifier {
  if (config.users.some((u) => u.username.includes(':'))) throw errors.config('basic: a username cannot contain ":" (RFC 7617)');
  if (config.users.some((u) => u.password.length < MIN_LENGTH)) throw errors.config(`basic: passwords must be at least ${MIN_LENGTH} characters`);
  const names = fixedWidthSecrets(config.users.map((u) => u.username));
  const passwords = fixedWidthSecrets(config.users.map((u) => u.password));
  const readId = deliveryIdReader(config, 'basic');
  return (input) => {
    const value = header(input.headers, 'authorization');
    if (value === undefined) throw credentialMissing('The Authorization header', CHALLENGE);
    const parsed = parseBasic(value);
    if (!parsed) throw credentialInvalid('The Authorization header is not a Basic credential', CHALLENGE);
    // Both comparisons always run over every user, and combine bitwise (no short circuit): a right
    // name with a wrong password takes as long as neither.
    const name = names.compare(parsed[0]);
    const password = passwords.compare(parsed[1]);
    if (!any(name.map((n, i) => n & password[i]!))) throw credentialInvalid('The user name or password is not valid', CHALLENGE);
    return { deliveryId: readId(input) };
  };
}

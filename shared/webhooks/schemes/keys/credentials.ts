import { createHash, timingSafeEqual } from 'node:crypto';
import { errors } from '../../../errors';
import { header } from '../../timing-safe';
import type { Verifier } from '../../types';
import type { ApiKeyVerifyConfig, BasicAuthVerifyConfig } from './config';
import { deliveryIdReader } from './delivery-id';
import { credentialInvalid, credentialMissing } from './errors';

/**
 * Static credentials: an API key in a header, or HTTP Basic (RFC 7617). Both sides are hashed
 * with SHA-256 before the constant-time comparison, so neither the length of a configured key nor
 * the position of a first differing byte shows in the timing; every configured entry is compared
 * on every request. A valid credential is legitimately reused, so it is no replay key: give
 * `idHeader`/`idPath` for replay protection.
 */
const MIN_LENGTH = 16;
const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
/** Constant-time equality of two SHA-256 digests, as 0 or 1 so results combine without branches. */
const same = (a: Buffer, b: Buffer) => Number(timingSafeEqual(a, b));

export function apiKeyVerifier(config: ApiKeyVerifyConfig): Verifier {
  if (config.keys.some((k) => k.length < MIN_LENGTH)) throw errors.config(`api-key: keys must be at least ${MIN_LENGTH} characters`);
  const keys = config.keys.map(digest);
  const readId = deliveryIdReader(config, 'api-key');
  return (input) => {
    const value = header(input.headers, config.header);
    if (value === undefined) throw credentialMissing(`The ${config.header} header`);
    const given = digest(value);
    let match = 0;
    for (const key of keys) match |= same(given, key);
    if (!match) throw credentialInvalid();
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
  const users = config.users.map((u) => [digest(u.username), digest(u.password)] as const);
  const readId = deliveryIdReader(config, 'basic');
  return (input) => {
    const value = header(input.headers, 'authorization');
    if (value === undefined) throw credentialMissing('The Authorization header', CHALLENGE);
    const parsed = parseBasic(value);
    if (!parsed) throw credentialInvalid('The Authorization header is not a Basic credential', CHALLENGE);
    const [name, password] = parsed.map(digest) as [Buffer, Buffer];
    let match = 0;
    // Both comparisons always run (bitwise &, no short circuit): a right name with a wrong password takes as long as neither.
    for (const [u, p] of users) match |= same(name, u) & same(password, p);
    if (!match) throw credentialInvalid('The user name or password is not valid', CHALLENGE);
    return { deliveryId: readId(input) };
  };
}

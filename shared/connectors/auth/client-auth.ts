import { CLIENT_ASSERTION_TYPE, clientAssertion, type ClientKey } from './private-key-jwt';

/**
 * How a client proves itself at a token endpoint: HTTP Basic (RFC 6749 section 2.3.1, which every
 * server must support; id and secret form-encoded first), the credentials as form fields, or a
 * client assertion signed with its private key (RFC 7523 section 2.2).
 */
export type ClientAuthMethod = 'basic' | 'body' | 'private_key_jwt';

export interface ClientCredentials {
  tokenUrl: string;
  clientId: string;
  clientSecret?: string;
  /** Default `basic`; `body` for servers that want client_id and client_secret as form fields. */
  clientAuth?: ClientAuthMethod;
  /** private_key_jwt: the key that signs the assertions (private-key-jwt.ts). */
  privateKey?: ClientKey;
}

const form = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');

/**
 * Adds the client's credentials to one token request. A client assertion is made fresh for every
 * request (its jti must not repeat) and returned, so the caller can keep it out of errors.
 */
export async function authenticateClient(client: ClientCredentials, headers: Record<string, string>, body: URLSearchParams, nowMs: number): Promise<string | undefined> {
  const method = client.clientAuth ?? 'basic';
  if (method === 'private_key_jwt') {
    if (!client.privateKey) throw new TypeError('private_key_jwt: no private key is configured');
    const assertion = await clientAssertion(client.privateKey, client.clientId, client.tokenUrl, nowMs);
    body.set('client_assertion_type', CLIENT_ASSERTION_TYPE);
    body.set('client_assertion', assertion);
    return assertion;
  }
  if (method === 'basic' && client.clientSecret !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${form(client.clientId)}:${form(client.clientSecret)}`).toString('base64')}`;
    return undefined;
  }
  body.set('client_id', client.clientId);
  if (client.clientSecret !== undefined) body.set('client_secret', client.clientSecret);
  return undefined;
}

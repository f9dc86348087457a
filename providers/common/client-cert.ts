import { X509Certificate } from 'node:crypto';
import type { ClientCertificate } from '../../shared/webhooks/types';

/**
 * Client certificates as the platforms forward them, turned into the ClientCertificate the mtls
 * scheme checks. Subjects and issuers come out in one format everywhere: RFC 4514 order and
 * escaping, as `openssl x509 -noout -subject -nameopt RFC2253` prints them
 * (e.g. `CN=scanner.example.com,O=Example Security\, Inc.,C=DE`).
 * `verified` is set only where the platform validated the chain: API Gateway does (it rejects
 * invalid chains before invoking), Azure App Service does not (it forwards what the client sent).
 */

/** Node's multiline DN (`C=DE\nO=...\nCN=...`, values already RFC 2253-escaped) in RFC 4514 order. */
const rfc4514 = (multiline: string) => multiline.split('\n').reverse().map((rdn) => rdn.replace(/ \+ /g, '+')).join(',');

function describe(cert: X509Certificate): ClientCertificate {
  return {
    fingerprint256: cert.fingerprint256.replace(/:/g, '').toLowerCase(),
    subject: rfc4514(cert.subject),
    issuer: rfc4514(cert.issuer),
  };
}

function parse(input: string | Buffer): ClientCertificate | undefined {
  try {
    const cert = new X509Certificate(input);
    // OpenSSL reads the first certificate and ignores what follows it (a second certificate,
    // any bytes; PEM text too): DER must be exactly one certificate, or the header is malformed.
    if (Buffer.isBuffer(input) && !cert.raw.equals(input)) return undefined;
    return describe(cert);
  } catch {
    return undefined;
  }
}

/** A PEM certificate (the first one if it is a chain), or undefined when it does not parse. */
export const certFromPem = (pem: string): ClientCertificate | undefined => parse(pem);

/**
 * A base64 DER certificate: Azure App Service's X-ARR-ClientCert, or an RFC 9440 Client-Cert
 * field (`:base64:`). Undefined when it is not exactly one certificate.
 * https://learn.microsoft.com/azure/app-service/app-service-web-configure-tls-mutual-auth
 */
export function certFromDerBase64(b64: string): ClientCertificate | undefined {
  const text = b64.trim().replace(/^:(.*):$/, '$1');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  return parse(Buffer.from(text, 'base64'));
}

interface ApiGatewayClientCert {
  clientCertPem?: string;
  subjectDN?: string;
  issuerDN?: string;
}
export interface ApiGatewayEventLike {
  requestContext?: { identity?: { clientCert?: ApiGatewayClientCert | null }; authentication?: { clientCert?: ApiGatewayClientCert } | null };
}

/** API Gateway's `C=US,O=...,CN=...` (certificate order) turned into RFC 4514 order. */
const reverseDn = (dn: string) => dn.split(/(?<!\\),/).reverse().join(',');

/**
 * The client certificate of an API Gateway mTLS custom domain: REST APIs put it in
 * `requestContext.identity.clientCert`, HTTP APIs in `requestContext.authentication.clientCert`.
 * The PEM is parsed for the fingerprint; if it does not parse, subject and issuer come from the
 * DN fields and there is no fingerprint (fingerprint allowlists then refuse the request).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mutual-tls.html
 */
export function certFromApiGateway(event: ApiGatewayEventLike): ClientCertificate | undefined {
  const raw = event.requestContext?.authentication?.clientCert ?? event.requestContext?.identity?.clientCert ?? undefined;
  if (!raw) return undefined;
  const parsed = raw.clientCertPem ? certFromPem(raw.clientCertPem) : undefined;
  if (parsed) return { ...parsed, verified: true };
  const cert: ClientCertificate = { verified: true };
  if (raw.subjectDN) cert.subject = reverseDn(raw.subjectDN);
  if (raw.issuerDN) cert.issuer = reverseDn(raw.issuerDN);
  return cert;
}

/** Header names of a Google load balancer's mTLS custom request headers, as configured on its backend service. */
export interface GcpCertHeaders {
  present: string;
  chainVerified: string;
  /** `{client_cert_sha256_fingerprint}`: base64 of the SHA-256 fingerprint. */
  hash: string;
  /** `{client_cert_leaf}` (RFC 9440 encoding), optional: gives subject and issuer. */
  leaf?: string;
}
export const GCP_CERT_HEADERS: GcpCertHeaders = {
  present: 'X-Client-Cert-Present', chainVerified: 'X-Client-Cert-Chain-Verified', hash: 'X-Client-Cert-Hash', leaf: 'X-Client-Cert-Leaf',
};

/**
 * Reads the mTLS facts a Google Application Load Balancer adds as custom request headers. Only
 * safe when the load balancer is the only way in (Cloud Run / Functions ingress
 * `internal-and-cloud-load-balancing`): otherwise a client sets these headers itself.
 * https://cloud.google.com/load-balancing/docs/https/custom-headers
 */
export function certFromGcpHeaders(get: (name: string) => string | null | undefined, names: GcpCertHeaders = GCP_CERT_HEADERS): ClientCertificate | undefined {
  if (get(names.present)?.trim().toLowerCase() !== 'true') return undefined;
  const verified = get(names.chainVerified)?.trim().toLowerCase() === 'true';
  const fingerprint256 = sha256FromBase64(get(names.hash));
  if (fingerprint256 === undefined) return { verified };
  // A leaf header the load balancer is not configured to add passes through as the client sent
  // it: it counts only as the certificate the load balancer's hash names.
  const leaf = names.leaf ? get(names.leaf) : undefined;
  const fromLeaf = leaf ? certFromDerBase64(leaf) : undefined;
  if (fromLeaf?.fingerprint256 === fingerprint256) return { ...fromLeaf, verified };
  return { fingerprint256, verified };
}

/**
 * `{client_cert_sha256_fingerprint}` as hex: exactly one base64 SHA-256 digest (padding and
 * RFC 9440 colons optional). Node's base64 decoder skips what it cannot read and stops at the
 * first `=`, so `forged=, real=` (a client's header joined with the load balancer's) would
 * otherwise read as `forged`.
 */
function sha256FromBase64(value: string | null | undefined): string | undefined {
  const m = /^(:?)([A-Za-z0-9+/]{43})=?\1$/.exec(value?.trim() ?? '');
  return m ? Buffer.from(m[2]!, 'base64').toString('hex') : undefined;
}

import { X509Certificate } from 'node:crypto';
import type { Config } from '../../shared/config';
import type { Logger } from '../../shared/ports/logger';
import type { ClientCertificate } from '../../shared/webhooks/types';
import { derNames, rfc2253 } from './client-cert-names';

/**
 * Client certificates as the platforms forward them, turned into the ClientCertificate the mtls
 * scheme checks. Subjects and issuers come out in one format everywhere: RFC 4514 order and
 * escaping, exactly as `openssl x509 -noout -subject -nameopt RFC2253` prints them
 * (e.g. `CN=scanner.example.com+OU=Ops,O=M\C3\BCller Security\, Inc.,C=DE`), since users copy
 * that output into `subjects`, which are compared as strings.
 * `verified` is set only where the platform validated the chain: API Gateway does (it rejects
 * invalid chains before invoking), Azure App Service does not (it forwards what the client sent).
 */

function describe(cert: X509Certificate): ClientCertificate {
  const described: ClientCertificate = { fingerprint256: cert.fingerprint256.replace(/:/g, '').toLowerCase() };
  try {
    const names = derNames(cert.raw);
    const subject = rfc2253(cert.subject, names.subject, cert.raw);
    const issuer = rfc2253(cert.issuer, names.issuer, cert.raw);
    if (subject !== undefined) described.subject = subject;
    if (issuer !== undefined) described.issuer = issuer;
  } catch {
    // Names that cannot be read give no subject: a subject allowlist refuses, a fingerprint still counts.
  }
  return described;
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

const warned = new WeakSet<object>();

/**
 * Azure App Service and a Google load balancer forward the client certificate in request headers
 * (`headers`), which the adapters read only with `ingress.trustClientCertHeaders: true` (off by
 * default: where the front end is not the only way in, a client sets them). Without it every
 * request to an mtls source is 401 credential_missing, and the scheme cannot tell why (it never
 * sees the setting): this says so once per configuration, naming the setting and the sources.
 */
export function warnCertHeadersOff(config: Pick<Config, 'sources' | 'ingress'>, logger: Logger, headers: string): void {
  if (config.ingress.trustClientCertHeaders || warned.has(config)) return;
  warned.add(config);
  const sources = Object.entries(config.sources).filter(([, s]) => s.verify.scheme === 'mtls').map(([id]) => id);
  if (sources.length === 0) return;
  logger.warn(`mtls sources get no client certificate: ingress.trustClientCertHeaders is off, so the adapter does not read ${headers} and every request to them answers 401 credential_missing`, {
    sources, setting: 'ingress.trustClientCertHeaders',
  });
}

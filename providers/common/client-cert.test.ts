import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureJson } from '../../test/fixtures';
import { mtlsVerifier } from '../../shared/webhooks/schemes/keys/mtls';
import type { ClientCertificate } from '../../shared/webhooks/types';
import { compileConfig } from '../../shared/config';
import { silentLogger } from '../../shared/log/json-logger';
import { certFromApiGateway, certFromDerBase64, certFromGcpHeaders, certFromPem, warnCertHeadersOff, type ApiGatewayEventLike } from './client-cert';

// Oracle: OpenSSL's own reading of the fixture certificate (test/fixtures-local/README.md), and
// API Gateway events from aws-lambda-go's testdata (../shared/fixtures, Apache-2.0).
const PEM = readFileSync(join(__dirname, '../../test/fixtures-local/client.pem'), 'utf8');
const CA_PEM = readFileSync(join(__dirname, '../../test/fixtures-local/ca.pem'), 'utf8');
const OPENSSL_FINGERPRINT = '36:6D:44:95:CF:84:40:DD:91:3E:BE:FE:F9:67:B6:3B:7C:F3:A3:28:16:49:80:3B:72:ED:12:3A:57:2A:D7:09';
const OPENSSL_SUBJECT = 'CN=scanner.example.com,O=Example Security\\, Inc.,C=DE';
const OPENSSL_ISSUER = 'CN=Example Webhook CA,O=Example Security,C=DE';
const HEX = OPENSSL_FINGERPRINT.replace(/:/g, '').toLowerCase();
const DER_B64 = PEM.replace(/-----[^-]+-----|\s/g, '');
const expected = { fingerprint256: HEX, subject: OPENSSL_SUBJECT, issuer: OPENSSL_ISSUER };
// Names OpenSSL escapes: a UTF-8 organization, a multi-valued RDN, an attribute type without a
// name (test/fixtures-local/README.md has the commands and OpenSSL's output).
const UTF8_PEM = readFileSync(join(__dirname, '../../test/fixtures-local/client-utf8.pem'), 'utf8');
const UTF8_CA_PEM = readFileSync(join(__dirname, '../../test/fixtures-local/ca-utf8.pem'), 'utf8');
const UTF8_SUBJECT = 'CN=scanner.example.com+OU=Ops,O=M\\C3\\BCller Security\\, Inc.,C=DE';
const UTF8_ISSUER = 'CN=M\\C3\\BCller Webhook CA,1.3.6.1.4.1.99999.1=#0C03502D37,O=M\\C3\\BCller Security\\, Inc.,C=DE';
const UTF8_FINGERPRINT = '75:A9:9E:AC:30:99:B4:2C:8C:3E:9C:D9:A2:FA:5F:48:FC:EE:37:70:35:1E:27:45:77:CB:15:7A:71:89:1D:93';
const utf8Expected = { fingerprint256: UTF8_FINGERPRINT.replace(/:/g, '').toLowerCase(), subject: UTF8_SUBJECT, issuer: UTF8_ISSUER };
const withPem = (event: ApiGatewayEventLike, pem: string): ApiGatewayEventLike => JSON.parse(JSON.stringify(event).replace(/"clientCertPem":"[^"]*"/, `"clientCertPem":${JSON.stringify(pem)}`));
const v2 = fixtureJson<ApiGatewayEventLike>('events/aws-apigw-http-v2.json');
const v1 = fixtureJson<ApiGatewayEventLike>('events/aws-apigw-rest-v1-proxy.json');

describe('certFromPem / certFromDerBase64', () => {
  it('reads fingerprint, subject and issuer as OpenSSL prints them (RFC 4514), leaving verified unset', () => {
    expect(certFromPem(PEM)).toEqual(expected);
    expect(certFromPem(CA_PEM)?.subject).toBe(OPENSSL_ISSUER);
  });

  it('reads names as OpenSSL -nameopt RFC2253 prints them: UTF-8 bytes as \\XX, a multi-valued RDN reversed, an unnamed attribute type as #DER', () => {
    expect(certFromPem(UTF8_PEM)).toEqual(utf8Expected);
    expect(certFromDerBase64(UTF8_PEM.replace(/-----[^-]+-----|\s/g, ''))).toEqual(utf8Expected);
    expect(certFromPem(UTF8_CA_PEM)?.subject).toBe(UTF8_ISSUER);
  });

  it('reads Azure X-ARR-ClientCert (base64 DER) and RFC 9440 Client-Cert (:base64:)', () => {
    expect(certFromDerBase64(DER_B64)).toEqual(expected);
    expect(certFromDerBase64(`:${DER_B64}:`)).toEqual(expected);
  });

  it.each(['', 'not base64!', DER_B64.slice(0, 200), PEM])('returns undefined for %#', (bad) => {
    expect(certFromDerBase64(bad)).toBeUndefined();
  });
  it('refuses bytes that are more than one DER certificate: a second certificate, trailing bytes, PEM text', () => {
    const der = Buffer.from(DER_B64, 'base64');
    const caDer = Buffer.from(CA_PEM.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    // OpenSSL's parser reads the first certificate and ignores what follows: the header must be that certificate alone.
    expect(certFromDerBase64(Buffer.concat([der, caDer]).toString('base64'))).toBeUndefined();
    expect(certFromDerBase64(Buffer.concat([der, Buffer.from('trailing')]).toString('base64'))).toBeUndefined();
    expect(certFromDerBase64(Buffer.from(PEM).toString('base64'))).toBeUndefined();
  });
  it('returns undefined for a PEM that does not parse', () => {
    expect(certFromPem('-----BEGIN CERTIFICATE-----\nMIIEZTCCAk0CAQEwDQ...')).toBeUndefined();
  });
});

describe('certFromApiGateway', () => {
  it('HTTP API: parses the PEM and marks the chain verified', () => {
    expect(certFromApiGateway(withPem(v2, PEM))).toEqual({ ...expected, verified: true });
  });

  it('REST API: reads requestContext.identity.clientCert', () => {
    expect(certFromApiGateway(withPem(v1, PEM))).toEqual({ ...expected, verified: true });
  });

  it('falls back to the DN fields (turned into RFC 4514 order) when the PEM does not parse', () => {
    expect(certFromApiGateway(v2)).toEqual({
      subject: 'CN=My Client,OU=Security,O=Amazon Web Services,L=Seattle,ST=Washington,C=US',
      issuer: 'CN=My Private CA,OU=Security,O=Amazon Web Services,L=Seattle,ST=Washington,C=US',
      verified: true,
    });
  });

  it('is undefined without mTLS', () => {
    expect(certFromApiGateway({ requestContext: { identity: { clientCert: null } } })).toBeUndefined();
    expect(certFromApiGateway({})).toBeUndefined();
  });
});

describe('certFromGcpHeaders', () => {
  const hash = Buffer.from(HEX, 'hex').toString('base64');
  const headers = (h: Record<string, string>) => (name: string) => new Headers(h).get(name);

  it('reads the fingerprint (base64) and chain verification of a Google load balancer', () => {
    const get = headers({ 'x-client-cert-present': 'true', 'x-client-cert-chain-verified': 'true', 'x-client-cert-hash': hash });
    expect(certFromGcpHeaders(get)).toEqual({ fingerprint256: HEX, verified: true });
    for (const value of [hash.slice(0, -1), `:${hash}:`]) {
      expect(certFromGcpHeaders(headers({ 'x-client-cert-present': 'true', 'x-client-cert-hash': value }))).toEqual({ fingerprint256: HEX, verified: false });
    }
  });

  it('takes subject and issuer from the leaf header when configured', () => {
    const get = headers({ 'x-client-cert-present': 'true', 'x-client-cert-chain-verified': 'false', 'x-client-cert-hash': hash, 'x-client-cert-leaf': `:${DER_B64}:` });
    expect(certFromGcpHeaders(get)).toEqual({ ...expected, verified: false });
  });

  it('takes no fingerprint from a hash header that is not one base64 SHA-256 digest (a second value joined with ", ", junk, base64url)', () => {
    const forged = Buffer.alloc(32, 0xfb).toString('base64');
    for (const value of [`${forged}, ${hash}`, `${hash}, ${forged}`, `!!${forged}`, Buffer.alloc(32, 0xfb).toString('base64url'), forged.slice(0, -2), `:${forged}`]) {
      const get = headers({ 'x-client-cert-present': 'true', 'x-client-cert-chain-verified': 'true', 'x-client-cert-hash': value });
      expect(certFromGcpHeaders(get)).toEqual({ verified: true });
    }
  });

  it('uses the leaf header only when it is the certificate the hash names (a header the load balancer does not set is the client\'s)', () => {
    const other = Buffer.alloc(32, 7).toString('base64');
    const leaf = `:${DER_B64}:`;
    const get = (h: Record<string, string>) => headers({ 'x-client-cert-present': 'true', 'x-client-cert-chain-verified': 'true', ...h });
    expect(certFromGcpHeaders(get({ 'x-client-cert-hash': other, 'x-client-cert-leaf': leaf }))).toEqual({ fingerprint256: Buffer.from(other, 'base64').toString('hex'), verified: true });
    expect(certFromGcpHeaders(get({ 'x-client-cert-leaf': leaf }))).toEqual({ verified: true });
    expect(certFromGcpHeaders(get({ 'x-client-cert-hash': hash, 'x-client-cert-leaf': leaf }))).toEqual({ ...expected, verified: true });
  });

  it('is undefined when no certificate was presented', () => {
    expect(certFromGcpHeaders(headers({ 'x-client-cert-present': 'false', 'x-client-cert-hash': hash }))).toBeUndefined();
    expect(certFromGcpHeaders(headers({}))).toBeUndefined();
  });
});

describe('end to end with the mtls scheme', () => {
  const verify = (config: { fingerprints?: string[]; subjects?: string[] }, cert: ClientCertificate | undefined) => {
    try {
      mtlsVerifier({ scheme: 'mtls', ...config })({ headers: new Headers(), body: new Uint8Array(), url: 'https://x/', now: 0, client: { cert } });
      return 'accepted';
    } catch (e) {
      return (e as { code: string }).code;
    }
  };

  it('accepts the API Gateway certificate by OpenSSL fingerprint or subject', () => {
    const cert = certFromApiGateway(withPem(v2, PEM));
    expect(verify({ fingerprints: [OPENSSL_FINGERPRINT] }, cert)).toBe('accepted');
    expect(verify({ subjects: [OPENSSL_SUBJECT] }, cert)).toBe('accepted');
    expect(verify({ subjects: [OPENSSL_ISSUER] }, cert)).toBe('credential_invalid');
  });

  it('accepts a certificate with a non-ASCII, multi-valued subject by the subject OpenSSL prints', () => {
    const cert = certFromApiGateway(withPem(v2, UTF8_PEM));
    expect(verify({ subjects: [UTF8_SUBJECT] }, cert)).toBe('accepted');
    expect(verify({ subjects: [UTF8_SUBJECT], fingerprints: [UTF8_FINGERPRINT] }, cert)).toBe('accepted');
  });

  it('accepts an Azure certificate only by pinned fingerprint (App Service does not verify chains)', () => {
    const cert = certFromDerBase64(DER_B64);
    expect(verify({ fingerprints: [OPENSSL_FINGERPRINT] }, cert)).toBe('accepted');
    expect(verify({ subjects: [OPENSSL_SUBJECT] }, cert)).toBe('credential_invalid');
  });

  it('refuses a pinned certificate a client sent as the Google leaf header beside its own certificate', () => {
    const own = Buffer.alloc(32, 7).toString('base64');
    const get = (n: string) => ({ 'X-Client-Cert-Present': 'true', 'X-Client-Cert-Chain-Verified': 'true', 'X-Client-Cert-Hash': own, 'X-Client-Cert-Leaf': `:${DER_B64}:` })[n];
    expect(verify({ fingerprints: [OPENSSL_FINGERPRINT] }, certFromGcpHeaders(get))).toBe('credential_invalid');
  });

  it('refuses a Google certificate whose chain the load balancer did not verify', () => {
    const get = (n: string) => ({ 'X-Client-Cert-Present': 'true', 'X-Client-Cert-Chain-Verified': 'false', 'X-Client-Cert-Hash': Buffer.from(HEX, 'hex').toString('base64') })[n];
    expect(verify({ fingerprints: [HEX] }, certFromGcpHeaders(get))).toBe('credential_invalid');
  });
});

describe('warnCertHeadersOff', () => {
  const sources = {
    partner: { verify: { scheme: 'mtls', fingerprints: [OPENSSL_FINGERPRINT] } },
    monitor: { verify: { scheme: 'api-key', keys: ['k'.repeat(16)] } },
  };
  const recorder = () => {
    const warnings: [string, Record<string, unknown> | undefined][] = [];
    return { warnings, logger: { ...silentLogger, warn: (msg: string, fields?: Record<string, unknown>) => void warnings.push([msg, fields]) } };
  };

  it('says once per configuration that mtls sources get no certificate while ingress.trustClientCertHeaders is off, naming the setting, the headers and the sources', () => {
    const config = compileConfig({ sources }, {});
    const { warnings, logger } = recorder();
    warnCertHeadersOff(config, logger, 'X-ARR-ClientCert');
    warnCertHeadersOff(config, logger, 'X-ARR-ClientCert');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]![0]).toMatch(/ingress\.trustClientCertHeaders is off, so the adapter does not read X-ARR-ClientCert .*401 credential_missing/);
    expect(warnings[0]![1]).toEqual({ sources: ['partner'], setting: 'ingress.trustClientCertHeaders' });
    expect(JSON.stringify(warnings)).not.toContain(OPENSSL_FINGERPRINT);
  });

  it('says nothing when the setting is on or no source uses mtls', () => {
    const { warnings, logger } = recorder();
    warnCertHeadersOff(compileConfig({ sources, ingress: { trustClientCertHeaders: true } }, {}), logger, 'X-ARR-ClientCert');
    warnCertHeadersOff(compileConfig({ sources: { monitor: sources.monitor } }, {}), logger, 'X-ARR-ClientCert');
    expect(warnings).toEqual([]);
  });
});

import type { ClientCertificate, VerifyInput } from '../../types';
import { mtlsVerifier, normalizeFingerprint } from './mtls';
import { parseConfig, verdict } from './test-kit';

// Certificate facts as the platform adapters fill them (providers/common/client-cert.ts derives
// them from real certificates; its test runs this verifier on one end to end).
const FP = '3f1c8a0e5b7d2c4f6a8e0b1d3c5f7a9e2b4d6f8a0c1e3b5d7f9a2c4e6b8d0f1a';
const SUBJECT = 'CN=scanner.example.com,O=Example Security,C=DE';
const cert = (over: Partial<ClientCertificate> = {}): ClientCertificate => ({ fingerprint256: FP, subject: SUBJECT, issuer: 'CN=Example CA', verified: true, ...over });
const input = (c?: ClientCertificate, headers: Record<string, string> = {}): VerifyInput =>
  ({ headers: new Headers(headers), body: Buffer.from('{}'), url: 'https://x/', now: 0, client: c ? { cert: c } : {} });
const colons = FP.toUpperCase().match(/../g)!.join(':');

describe('mtls', () => {
  const byFingerprint = mtlsVerifier(parseConfig({ scheme: 'mtls', fingerprints: [colons] }));
  const bySubject = mtlsVerifier(parseConfig({ scheme: 'mtls', subjects: [SUBJECT] }));
  const byBoth = mtlsVerifier(parseConfig({ scheme: 'mtls', fingerprints: [FP], subjects: [SUBJECT] }));

  it('accepts a pinned fingerprint (configured upper case with colons), an allowed subject, or both', () => {
    expect(byFingerprint(input(cert()))).toEqual({});
    expect(bySubject(input(cert({ fingerprint256: undefined })))).toEqual({});
    expect(byBoth(input(cert()))).toEqual({});
    expect(verdict(() => byFingerprint(input(cert({ fingerprint256: colons, verified: undefined }))))).toBe('accepted');
  });

  it.each<[string, ClientCertificate | undefined, string]>([
    ['no certificate', undefined, 'credential_missing'],
    ['a chain the platform did not verify', cert({ verified: false }), 'credential_invalid'],
    ['a fingerprint one digit off', cert({ fingerprint256: `${FP.slice(0, -1)}b` }), 'credential_invalid'],
    ['no fingerprint', cert({ fingerprint256: undefined }), 'credential_invalid'],
  ])('by fingerprint, rejects %s', (_, c, code) => {
    expect(verdict(() => byFingerprint(input(c)))).toBe(code);
  });

  it.each<[string, ClientCertificate, string]>([
    ['another subject', cert({ subject: 'CN=other.example.com,O=Example Security,C=DE' }), 'credential_invalid'],
    ['the subject in another case', cert({ subject: SUBJECT.toLowerCase() }), 'credential_invalid'],
    ['the subject with a space more', cert({ subject: SUBJECT.replace(',O=', ', O=') }), 'credential_invalid'],
    ['the right subject on a chain the platform did not verify (Azure forwards any)', cert({ verified: undefined }), 'credential_invalid'],
  ])('by subject, rejects %s', (_, c, code) => {
    expect(verdict(() => bySubject(input(c)))).toBe(code);
  });

  it('with both lists, needs both to match', () => {
    expect(verdict(() => byBoth(input(cert({ subject: 'CN=x' }))))).toBe('credential_invalid');
    expect(verdict(() => byBoth(input(cert({ fingerprint256: '0'.repeat(64) }))))).toBe('credential_invalid');
  });

  it('never takes the certificate from request headers', () => {
    const forged = { 'x-client-cert-hash': FP, 'x-client-cert-subject': SUBJECT, 'x-arr-clientcert': 'MIIB', 'x-amzn-mtls-clientcert': 'x' };
    expect(verdict(() => byFingerprint(input(undefined, forged)))).toBe('credential_missing');
  });

  it('gives a delivery id from idHeader', () => {
    const v = mtlsVerifier(parseConfig({ scheme: 'mtls', fingerprints: [FP], idHeader: 'X-Request-Id' }));
    expect(v(input(cert(), { 'x-request-id': 'r1' }))).toEqual({ deliveryId: 'r1' });
  });

  it('refuses a configuration without lists or with a bad fingerprint', () => {
    for (const raw of [{}, { fingerprints: ['abc'] }, { fingerprints: [`${FP}00`] }, { fingerprints: [FP.replace('3', 'g')] }]) {
      expect(() => mtlsVerifier(parseConfig({ scheme: 'mtls', ...raw }))).toThrow(expect.objectContaining({ code: 'invalid_config' }));
    }
    expect(normalizeFingerprint(colons)).toBe(FP);
  });
});

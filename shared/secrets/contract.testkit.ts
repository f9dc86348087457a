import { jsonLogger } from '../log/json-logger';
import { fixedClock } from '../ports/clock';
import type { Secrets } from '../ports/secrets';

/**
 * The contract every Secrets implementation passes: environment variables, AWS Secrets Manager
 * and SSM, Azure Key Vault, Google Secret Manager (each over its SDK fake, seeded with `values`),
 * and the TTL cache in front of them. Webhook verification and outbound signing read their keys
 * through this port, so a confused or altered value is a security bug, not a detail.
 *
 * `make` gets the secrets to hold (name -> value) and returns the implementation reading them.
 * A case that cannot be expressed is named in `skip` with the reason (shown in the test name).
 */
export interface SecretsUnderTest {
  secrets: Secrets;
  /**
   * From now on every backend call fails as the service does when it cannot answer (access
   * denied, throttled, unreachable). Omit, and skip `backend-failure`, when there is no backend.
   */
  breakBackend?: () => void;
  /** What the implementation's own logger wrote, when it takes one. */
  logged?: () => string[];
  cleanup?: () => Promise<void>;
}

export type SecretsContractCase = 'exact' | 'unknown' | 'distinct' | 'backend-failure' | 'never-logged';

export interface SecretsContractOptions {
  skip?: Partial<Record<SecretsContractCase, string>>;
}

/**
 * Names every provider accepts (Key Vault allows only letters, digits and dashes) and values that
 * catch trimming, re-encoding and escaping: a PEM with its final newline, CRLF, non-ASCII and
 * emoji, JSON and shell specials, surrounding spaces. No value is part of another or of a name.
 */
export const CONTRACT_SECRETS: Readonly<Record<string, string>> = {
  'tls-client-cert': [
    '-----BEGIN CERTIFICATE-----',
    'MIIBszCCAVmgAwIBAgIUContractTestOnlyNotARealCertificate0wCgYIKoZI',
    'zj0EAwIwLzEtMCsGA1UEAwwkc2Vjb3JjaC1jb250cmFjdC10ZXN0LWZpeHR1cmUt',
    'b25seTAeFw0yNjAxMDEwMDAwMDBaFw0yNzAxMDEwMDAwMDBaMC8xLTArBgNVBAMM',
    '-----END CERTIFICATE-----',
    '',
  ].join('\n'),
  'webhook-secret': '  pässwörd-密码-🔐-Zażółć \u00a0',
  'api-key': 'ak_live_7f3c9e2b41d8"q\'\\{"json":true}=;$HOME`x`',
  'api-key-old': 'ak_retired_0c1d2e3f4a5b6c7d',
  'crlf-note': 'first line\r\nsecond line\r\n\tindented',
};

/** Fragments of the values long enough to be telling if they showed up anywhere. */
function fragments(values: Record<string, string>): string[] {
  const out = new Set<string>();
  for (const v of Object.values(values)) {
    out.add(v);
    for (const part of v.split(/[\r\n]+/)) if (part.trim().length >= 8) out.add(part.trim());
  }
  return [...out];
}

const leaked = (text: string, values: Record<string, string>) => fragments(values).filter((f) => text.includes(f));

export function describeSecretsContract(
  name: string,
  make: (values: Record<string, string>) => Promise<SecretsUnderTest>,
  options: SecretsContractOptions = {},
): void {
  describe(`Secrets contract: ${name}`, () => {
    const values = { ...CONTRACT_SECRETS };
    let sut: SecretsUnderTest;
    let secrets: Secrets;
    beforeEach(async () => {
      sut = await make({ ...values });
      secrets = sut.secrets;
    });
    afterEach(async () => {
      await sut?.cleanup?.();
    });
    const test = (id: SecretsContractCase, title: string, fn: () => Promise<void>) => {
      const reason = options.skip?.[id];
      if (reason) it.skip(`${title} [skipped: ${reason}]`, fn);
      else it(title, fn);
    };

    test('exact', 'a known name returns its value exactly (multi-line PEM, CRLF, non-ASCII, surrounding spaces)', async () => {
      for (const [key, value] of Object.entries(values)) expect(await secrets.get(key)).toBe(value);
      // and again, as a warm instance (or a cache) answers
      for (const [key, value] of Object.entries(values)) expect(await secrets.get(key)).toBe(value);
    });

    test('unknown', 'an unknown name resolves to undefined, not an error, and stays unknown', async () => {
      await expect(secrets.get('never-stored')).resolves.toBeUndefined();
      await expect(secrets.get('api')).resolves.toBeUndefined(); // a prefix of stored names
      await expect(secrets.get('api-key-older')).resolves.toBeUndefined(); // a stored name as prefix
      await expect(secrets.get('never-stored')).resolves.toBeUndefined();
      expect(await secrets.get('api-key')).toBe(values['api-key']);
    });

    test('distinct', 'names are never confused: similar names, interleaved and concurrent lookups each get their own value', async () => {
      expect(await secrets.get('api-key-old')).toBe(values['api-key-old']);
      expect(await secrets.get('api-key')).toBe(values['api-key']);
      expect(await secrets.get('api-key-old')).toBe(values['api-key-old']);
      const names = Object.keys(values);
      const order = [...names, ...[...names].reverse(), 'never-stored', ...names];
      const got = await Promise.all(order.map((n) => secrets.get(n)));
      expect(got).toEqual(order.map((n) => values[n]));
    });

    test('backend-failure', 'a backend failure rejects with secret_unavailable naming the secret, and no value in the error or its log line', async () => {
      if (!sut.breakBackend) throw new Error('make() must return breakBackend, or skip this case with the reason');
      sut.breakBackend();
      for (const key of ['api-key', 'tls-client-cert']) {
        const err = await secrets.get(key).then((v) => ({ resolved: v }), (e: unknown) => e);
        expect(err).toBeInstanceOf(Error);
        expect(err).toMatchObject({ code: 'secret_unavailable', retryable: true });
        const message = (err as Error).message;
        expect(message).toContain(key);
        expect(leaked(message, values)).toEqual([]);
        expect(leaked(JSON.stringify(err), values)).toEqual([]);
        // As callers log it: the error (with its cause) through the product's logger.
        const lines: string[] = [];
        jsonLogger({ level: 'debug', clock: fixedClock(0), write: (l) => lines.push(l) }).error('secret lookup failed', { error: err });
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain(key);
        expect(leaked(lines.join('\n'), values)).toEqual([]);
      }
      await expect(secrets.get('never-stored')).rejects.toMatchObject({ code: 'secret_unavailable' });
    });

    test('never-logged', 'nothing the implementation writes (its logger, console, stdout, stderr) contains a value', async () => {
      const written: string[] = [];
      const capture = (...args: unknown[]) => {
        written.push(args.map((a) => (typeof a === 'string' ? a : a instanceof Uint8Array ? Buffer.from(a).toString('utf8') : JSON.stringify(a) ?? String(a))).join(' '));
      };
      const spies = [
        ...(['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((m) => jest.spyOn(console, m).mockImplementation(capture)),
        jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (capture(chunk), true)),
        jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (capture(chunk), true)),
      ];
      try {
        for (const key of Object.keys(values)) expect(await secrets.get(key)).toBe(values[key]);
        expect(await secrets.get('never-stored')).toBeUndefined();
        await secrets.get('bad name with spaces').catch((e: unknown) => capture(e));
        sut.breakBackend?.();
        for (const key of Object.keys(values)) await secrets.get(key).then(() => undefined, (e: unknown) => capture(e));
      } finally {
        for (const s of spies) s.mockRestore();
      }
      expect(leaked(written.join('\n'), values)).toEqual([]);
      expect(leaked((sut.logged?.() ?? []).join('\n'), values)).toEqual([]);
    });
  });
}

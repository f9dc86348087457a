import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { compileConfig } from '../shared/config';

/**
 * Every secorch.yaml example in the README is a configuration users will paste: each must pass
 * the real schema (with every ${VAR} taken as set).
 */
const README = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
const SECTIONS = new Set(['sources', 'routes', 'destinations', 'store', 'egress', 'ingress', 'logLevel', 'schedules', 'bus', 'secrets', 'ingest']);
// Every variable is set: *_PEM to a real RSA public key, anything else to a long base64 value
// (valid as a Standard Webhooks secret, an API key or a JWT HMAC secret alike).
const PEM = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const anyEnv = new Proxy({}, {
  get: (_t, name) => (typeof name !== 'string' ? undefined : name.endsWith('_PEM') ? PEM : Buffer.from(name.padEnd(48, 'x')).toString('base64')),
}) as Record<string, string>;

const blocks = [...README.matchAll(/```yaml\n([\s\S]*?)```/g)]
  .map((m, i) => ({ i, text: m[1]! }))
  .map((b) => ({ ...b, doc: (() => { try { return parse(b.text) as unknown; } catch { return undefined; } })() }))
  .filter((b) => b.doc && typeof b.doc === 'object' && Object.keys(b.doc as object).every((k) => SECTIONS.has(k)));

test('the README holds configuration examples', () => {
  expect(blocks.length).toBeGreaterThan(15);
});

test.each(blocks.map((b) => [b.i, b.text.split('\n').slice(0, 3).join(' | '), b.doc] as const))('README yaml block %i is a valid configuration (%s)', (_i, _head, doc) => {
  const d = doc as Record<string, unknown>;
  // Examples show sources alone; routes may name destinations defined in another example.
  const withDestinations = { ...d, destinations: { ...(d.destinations as object), ...destinationsNamedIn(d) } };
  // secret:// references resolve to a long base64 value, as variables do.
  expect(() => compileConfig(withDestinations, anyEnv, { secretRef: (ref) => Buffer.from(ref.name.padEnd(48, 'x')).toString('base64') })).not.toThrow();
});

function destinationsNamedIn(d: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const r of (d.routes as { to?: string[] }[] | undefined) ?? []) for (const t of r.to ?? []) out[t] = { type: 'file', path: `.data/${t}.jsonl` };
  return Object.fromEntries(Object.entries(out).filter(([k]) => !(d.destinations as Record<string, unknown> | undefined)?.[k]));
}

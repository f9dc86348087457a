import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { validateForBuild } from '../scripts/config-file';
import { compileConfig } from '../shared/config';
import { configSchema } from '../shared/config/schema';

/**
 * Every secorch.yaml example in the README is a configuration users will paste: each must pass
 * the real schema (with every ${VAR} taken as set).
 */
const README = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
// Every top-level key of the configuration schema: a block made of these is a configuration.
const SECTIONS = new Set(Object.keys(configSchema.shape));
// Every variable is set: *_PEM to a real RSA public key, anything else to a long base64 value
// (valid as a Standard Webhooks secret, an API key or a JWT HMAC secret alike).
const PEM = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const anyEnv = new Proxy({}, {
  get: (_t, name) => (typeof name !== 'string' ? undefined : name.endsWith('_PEM') ? PEM : Buffer.from(name.padEnd(48, 'x')).toString('base64')),
}) as Record<string, string>;

const blocks = [...README.matchAll(/```yaml\n([\s\S]*?)```/g)]
  .map((m, i) => ({ i, text: m[1]! }))
  .map((b) => ({ ...b, doc: (() => { try { return parse(b.text) as unknown; } catch { return undefined; } })() }))
  // A `mapper:` block alone (the mapper reference) is a source's setting: checked on a source.
  .map((b) => (isMapperOnly(b.doc) ? { ...b, doc: { sources: { example: { verify: { scheme: 'github', secret: '${EXAMPLE_SECRET}' }, mapper: b.doc.mapper } } } } : b))
  .filter((b) => b.doc && typeof b.doc === 'object' && Object.keys(b.doc as object).every((k) => SECTIONS.has(k)));

function isMapperOnly(doc: unknown): doc is { mapper: unknown } {
  return typeof doc === 'object' && doc !== null && Object.keys(doc).length === 1 && 'mapper' in doc;
}

test('the README holds configuration examples, the API, delivery and mapper references among them', () => {
  expect(blocks.length).toBeGreaterThan(15);
  const keys = new Set(blocks.flatMap((b) => Object.keys(b.doc as object)));
  for (const section of ['api', 'deliveries', 'sources', 'routes']) expect(keys).toContain(section);
  expect(blocks.some((b) => isMapperOnly(b.doc) || JSON.stringify(b.doc).includes('"type":"generic"'))).toBe(true);
});

test.each(blocks.map((b) => [b.i, b.text.split('\n').slice(0, 3).join(' | '), b.doc] as const))('README yaml block %i is a valid configuration (%s)', (_i, _head, doc) => {
  const d = doc as Record<string, unknown>;
  // Examples show sources alone; routes may name destinations defined in another example.
  const withDestinations = { ...d, destinations: { ...(d.destinations as object), ...destinationsNamedIn(d) } };
  // secret:// references resolve to a long base64 value, as variables do.
  expect(() => compileConfig(withDestinations, anyEnv, { secretRef: (ref) => Buffer.from(ref.name.padEnd(48, 'x')).toString('base64') })).not.toThrow();
});

test.each(blocks.map((b) => [b.i, b.text.split('\n').slice(0, 3).join(' | '), b.doc] as const))('README yaml block %i passes the build check npm start and npm run build make, its variables unknown (%s)', (_i, _head, doc) => {
  const d = doc as Record<string, unknown>;
  const dir = mkdtempSync(join(tmpdir(), 'secorch-readme-build-'));
  try {
    const path = join(dir, 'secorch.yaml');
    writeFileSync(path, stringify({ ...d, destinations: { ...(d.destinations as object), ...destinationsNamedIn(d) } }));
    expect(() => validateForBuild(path)).not.toThrow();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function destinationsNamedIn(d: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const r of (d.routes as { to?: string[] }[] | undefined) ?? []) for (const t of r.to ?? []) out[t] = { type: 'file', path: `.data/${t}.jsonl` };
  return Object.fromEntries(Object.entries(out).filter(([k]) => !(d.destinations as Record<string, unknown> | undefined)?.[k]));
}

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfigFile } from './config-file';

/**
 * npm start validates with validateConfigFile before anything starts: settings only a cloud
 * offers must stop it there, naming the key and what works locally, rather than pass and then
 * crash every local worker at its cold start (providers/local/deps.ts runs the same checks).
 */
const dir = mkdtempSync(join(tmpdir(), 'secorch-config-local-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, yaml: string): string => {
  const path = join(dir, name);
  writeFileSync(path, `sources: {}\nroutes: []\ndestinations: {}\n${yaml}`);
  return path;
};

describe('local-only checks at start-up', () => {
  test.each([
    ['store', 'store: { type: dynamodb, table: t }', 'store.type "dynamodb" is not available on the local runtime; use sqlite (the default) or memory'],
    ['bus', 'bus: { type: sqs, queueUrl: "https://sqs.us-east-1.amazonaws.com/1/q" }', 'bus.type "sqs" is not available on the local runtime; use local (or leave bus unset for the default)'],
    ['secrets', 'secrets: { provider: aws-secrets-manager }', 'secrets.provider: aws-secrets-manager is not available on the local runtime; use env'],
    ['sealer', 'secrets: { sealer: { provider: aws-kms, keyId: "arn:aws:kms:us-east-1:111122223333:key/k" } }', 'secrets.sealer.provider: aws-kms is not available on the local runtime; use local'],
  ])('a cloud-only %s is refused, naming its key', (name, yaml, message) => {
    expect(() => validateConfigFile(file(`${name}.yaml`, yaml), {})).toThrow(message);
  });

  test('several problems are reported together on one line', () => {
    const path = file('both.yaml', 'store: { type: dynamodb, table: t }\nbus: { type: pubsub, topic: t }\n');
    expect(() => validateConfigFile(path, {})).toThrow(/^store\.type "dynamodb" .*; bus\.type "pubsub" [^\n]*$/);
  });

  test('what the local runtime offers passes', () => {
    const path = file('ok.yaml', 'store: { type: memory }\nbus: { type: local }\nsecrets: { provider: env, sealer: { provider: local } }\n');
    expect(validateConfigFile(path, {}).config.store).toEqual({ type: 'memory' });
  });
});

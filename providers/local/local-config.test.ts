import { compileConfig } from '../../shared/config/compile';
import { assertLocalConfig, localProblems } from './local-config';

/** What the local runtime offers; deps.ts and npm start's check both go through these. */
const config = (raw: Record<string, unknown>) => compileConfig(raw, {});

test('nothing set, or only what the local runtime offers: no problem', () => {
  expect(localProblems(config({}))).toEqual([]);
  expect(localProblems(config({ store: { type: 'sqlite', path: 'x.db' }, bus: { type: 'local' }, secrets: { provider: 'env', sealer: { provider: 'local' } } }))).toEqual([]);
});

test('each cloud-only setting is named by its key', () => {
  const problems = localProblems(config({
    store: { type: 'dynamodb', table: 't' },
    bus: { type: 'sqs', queueUrl: 'https://sqs.us-east-1.amazonaws.com/1/q' },
    secrets: { provider: 'aws-ssm', sealer: { provider: 'gcp-kms', keyName: 'projects/p/locations/l/keyRings/r/cryptoKeys/k' } },
  }));
  expect(problems.map((p) => p.path)).toEqual(['store.type', 'bus.type', 'secrets.provider', 'secrets.sealer.provider']);
  expect(() => assertLocalConfig(config({ bus: { type: 'pubsub', topic: 't' } })))
    .toThrow(expect.objectContaining({ code: 'invalid_config', extra: { path: 'bus.type' } }));
});

test('an archive bucket may not be a folder the data directory already uses (the report inbox, the key folder)', () => {
  const problems = localProblems(config({
    destinations: {
      loop: { type: 'archive', bucket: 'inbox' },
      keyring: { type: 'archive', bucket: 'Keys' },
      lake: { type: 'archive', bucket: 'lake' },
    },
  }));
  expect(problems.map((p) => p.path)).toEqual(['destinations.loop.bucket', 'destinations.keyring.bucket']);
  expect(problems[0]!.message).toContain('"inbox" is a folder of the data directory');
});

test('an archive bucket may not be a file the data directory keeps (the state and queue databases and their journals)', () => {
  const problems = localProblems(config({
    destinations: {
      state: { type: 'archive', bucket: 'state.db' },
      wal: { type: 'archive', bucket: 'queue.db-wal' },
      lake: { type: 'archive', bucket: 'state.dbx' },
    },
  }));
  expect(problems.map((p) => p.path)).toEqual(['destinations.state.bucket', 'destinations.wal.bucket']);
  expect(problems[0]!.message).toContain('"state.db" is a file of the data directory');
});

test('a file destination may not write into the report inbox: each line appended would be read back as a report, routed and appended again', () => {
  const dests = {
    loop: { type: 'file', path: '/srv/data/inbox/events.jsonl' },
    deep: { type: 'file', path: '/srv/data/./inbox/a/b.jsonl' },
    beside: { type: 'file', path: '/srv/data/events.jsonl' },
    lookalike: { type: 'file', path: '/srv/data/inbox2/events.jsonl' },
  };
  expect(localProblems(config({ destinations: dests }), '/srv/data').map((p) => p.path)).toEqual(['destinations.loop.path', 'destinations.deep.path']);
  expect(localProblems(config({ destinations: dests }), '/srv/data')[0]!.message).toContain('is inside the report inbox');
  // Without a data directory (a check that does not know it) nothing is claimed.
  expect(localProblems(config({ destinations: dests }))).toEqual([]);
});

import { compileConfig } from '../../shared/config/compile';
import type { EventBus } from '../../shared/ports';
import { type BusConfig, type BusType, configuredBus } from './bus';

/**
 * Which bus each runtime builds from `bus`, with the factory sets each composition root passes
 * (providers/<cloud>/deps.ts): AWS sqs + eventbridge, Azure storage-queue + service-bus, Google
 * Cloud pubsub, local local. Factories record what they were given instead of connecting.
 */
const config = (bus?: unknown) => compileConfig(bus === undefined ? {} : { bus }, {});

function runtime<T extends BusType>(name: string, types: T[]) {
  const built: (BusConfig | 'default')[] = [];
  const bus = (): EventBus => ({ publish: async () => undefined, check: async () => undefined });
  const factories = Object.fromEntries(types.map((t) => [t, (b: BusConfig) => (built.push(b), bus())])) as unknown as Parameters<typeof configuredBus<T>>[2];
  return { built, select: (c: ReturnType<typeof config>) => configuredBus(c, name, factories, () => (built.push('default'), bus())) };
}

const aws = () => runtime('AWS', ['sqs', 'eventbridge']);
const azure = () => runtime('Azure', ['storage-queue', 'service-bus']);
const gcp = () => runtime('Google Cloud', ['pubsub']);
const local = () => runtime('local', ['local']);

describe('configuredBus', () => {
  test.each([['AWS', aws], ['Azure', azure], ['Google Cloud', gcp], ['local', local]] as const)('%s: no bus section builds the default and nothing else', (_name, make) => {
    const r = make();
    r.select(config());
    expect(r.built).toEqual(['default']);
  });

  test('AWS: sqs and eventbridge from the configuration, with their settings and defaults', () => {
    const r = aws();
    r.select(config({ type: 'eventbridge', busName: 'secorch' }));
    r.select(config({ type: 'sqs', queueUrl: 'https://sqs.eu-west-1.amazonaws.com/111122223333/secorch-events' }));
    expect(r.built).toEqual([
      { type: 'eventbridge', busName: 'secorch', source: 'secorch' },
      { type: 'sqs', queueUrl: 'https://sqs.eu-west-1.amazonaws.com/111122223333/secorch-events' },
    ]);
  });

  test('Azure: storage-queue and service-bus from the configuration', () => {
    const r = azure();
    r.select(config({ type: 'service-bus', entity: 'secorch-events', namespace: 'contoso.servicebus.windows.net' }));
    r.select(config({ type: 'storage-queue', queue: 'secorch-events' }));
    expect(r.built).toEqual([
      { type: 'service-bus', entity: 'secorch-events', namespace: 'contoso.servicebus.windows.net' },
      { type: 'storage-queue', queue: 'secorch-events' },
    ]);
  });

  test('Google Cloud and local: their single type from the configuration', () => {
    const g = gcp();
    g.select(config({ type: 'pubsub', topic: 'secorch-events', projectId: 'p' }));
    expect(g.built).toEqual([{ type: 'pubsub', topic: 'secorch-events', projectId: 'p' }]);
    const l = local();
    l.select(config({ type: 'local' }));
    expect(l.built).toEqual([{ type: 'local' }]);
  });

  test.each([
    ['AWS', aws, { type: 'pubsub', topic: 't' }, /bus\.type "pubsub" is not available on AWS; use sqs, eventbridge/],
    ['AWS', aws, { type: 'service-bus', entity: 'e', connectionString: 'x' }, /bus\.type "service-bus" is not available on AWS; use sqs, eventbridge/],
    ['Azure', azure, { type: 'sqs', queueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/q' }, /bus\.type "sqs" is not available on Azure; use storage-queue, service-bus/],
    ['Google Cloud', gcp, { type: 'eventbridge', busName: 'b' }, /bus\.type "eventbridge" is not available on Google Cloud; use pubsub/],
    ['local', local, { type: 'storage-queue', queue: 'q' }, /bus\.type "storage-queue" is not available on local; use local/],
  ] as const)('%s: another runtime\'s type is a configuration error naming bus.type and the offered types (%#)', (_n, make, bus, message) => {
    const r = make();
    let err: unknown;
    try {
      r.select(config(bus));
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'invalid_config', retryable: false, extra: { path: 'bus.type' } });
    expect((err as Error).message).toMatch(message);
    expect(r.built).toEqual([]);
  });
});

describe('bus section schema', () => {
  test('service-bus takes exactly one of namespace and connectionString; namespace is fully qualified', () => {
    expect(() => config({ type: 'service-bus', entity: 'e' })).toThrow(/bus\.namespace: give namespace \(managed identity\) or connectionString, exactly one/);
    expect(() => config({ type: 'service-bus', entity: 'e', namespace: 'a.servicebus.windows.net', connectionString: 'x' })).toThrow(/exactly one/);
    expect(() => config({ type: 'service-bus', entity: 'e', namespace: 'contoso' })).toThrow(/bus\.namespace: must be the fully qualified namespace/);
  });

  test('an EventBridge source may not use the reserved aws. prefix; unknown keys fail with their path', () => {
    expect(() => config({ type: 'eventbridge', busName: 'b', source: 'aws.securityhub' })).toThrow(/bus\.source: must not start with "aws\."/);
    expect(() => config({ type: 'eventbridge', busName: 'b', queueUrl: 'x' })).toThrow(/bus\.queueUrl: unknown key/);
  });
});

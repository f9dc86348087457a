import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import request from 'supertest';
import type { RecordHandler } from '../../shared/contracts';
import type { Secrets } from '../../shared/ports';
import { cloudDeps } from '../common/cloud-deps';
import { gcpSchedulerHttp, gcpSchedulerPubSub } from './functions/scheduler';
import { gcpDeliveryTick, gcpDeliveryWakeUp } from './functions/webhook-delivery';
import { gcpPubSub } from './pubsub';
import { gcpStorage } from './storage-events';

/**
 * A cold start whose secret resolution fails, through every GCP function the functions-framework
 * answers itself when it throws (the real framework server). The secret manager is a stand-in:
 * no Secret Manager emulator runs here. Its error quotes a GitHub token, as a provider error may
 * quote what it was sent.
 */
const LEAK = `ghp_${'A1b2C3d4'.repeat(5)}`;
const leaky: Secrets = {
  get: async () => {
    throw new Error(`secret manager refused the request with token ${LEAK}`);
  },
};
const g = globalThis as { __SECORCH_CONFIG__?: unknown };
async function failingDeps() {
  // esbuild's define puts the configuration in the bundle; here it is a global, as at runtime.
  g.__SECORCH_CONFIG__ = {
    sources: { github: { verify: { scheme: 'github', secret: 'secret://github-webhook' } } },
    secrets: { provider: 'gcp-secret-manager' },
  };
  try {
    const root = await cloudDeps('Google Cloud', 'gcp', () => {
      throw new Error('the bus is never built: the secrets fail first');
    }, undefined, undefined, { secrets: { 'gcp-secret-manager': () => leaky } });
    return root.deps;
  } finally {
    delete g.__SECORCH_CONFIG__;
  }
}

const handler: RecordHandler = async () => undefined;
functions.cloudEvent('depsPubSub', gcpPubSub(handler, failingDeps));
functions.cloudEvent('depsStorage', gcpStorage(handler, failingDeps));
functions.cloudEvent('depsSchedulerPubSub', gcpSchedulerPubSub(failingDeps));
functions.http('depsSchedulerHttp', gcpSchedulerHttp(failingDeps));
functions.http('depsDeliveryTick', gcpDeliveryTick(failingDeps));
functions.http('depsWakeUp', gcpDeliveryWakeUp(failingDeps));

const cloudEvent = JSON.stringify({
  specversion: '1.0', id: 'evt-1', source: '//pubsub.googleapis.com/projects/p/topics/t', type: 'google.cloud.pubsub.topic.v1.messagePublished',
  data: { message: { data: 'e30=', messageId: 'm-1' }, subscription: 'projects/p/subscriptions/s' },
});

describe.each(['depsPubSub', 'depsStorage', 'depsSchedulerPubSub', 'depsSchedulerHttp', 'depsDeliveryTick', 'depsWakeUp'])('%s: deps that cannot be built', (name) => {
  it('fail the call after one redacted log line with the code; neither the framework\'s log nor the answer quotes the secret', async () => {
    const lines: string[] = [];
    const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
    const crashes: string[] = [];
    const err = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void crashes.push(args.map(String).join(' ')));
    let res: request.Response;
    try {
      res = await request(getTestServer(name)).post('/').set('content-type', 'application/cloudevents+json').send(cloudEvent);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    expect(res.status).toBe(500);
    expect(res.text).not.toContain(LEAK);
    expect(crashes.length).toBeGreaterThan(0);
    expect(crashes.filter((c) => c.includes(LEAK))).toEqual([]);
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as { level: string; msg: string; code: string };
    expect(line).toMatchObject({ level: 'error', msg: 'could not build deps', code: 'deps_failed' });
    expect(lines[0]).not.toContain(LEAK);
  });
});

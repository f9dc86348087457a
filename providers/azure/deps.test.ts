import type { ServiceBusMessage, ServiceBusSender } from '@azure/service-bus';
import { busTestEvent } from '../../test/support/bus-event';
import { bundle, githubSource, metricLines, rejectedWebhook, unbundle } from '../common/metrics.testkit';
import { configuredClientId } from './credential';
import { mockCredentialOptions } from './identity-recorder.testkit';

/**
 * On Azure metrics are JSON lines on stdout: the Functions host sends them to Application
 * Insights as traces. The storage connection string is never used (the SDK loads on first call).
 */
beforeEach(() => {
  jest.resetModules();
  process.env.AzureWebJobsStorage = 'UseDevelopmentStorage=true';
});
afterEach(() => {
  unbundle();
  delete process.env.AzureWebJobsStorage;
});

test('a rejected webhook writes a JSON metric line with the source and reason as tags', async () => {
  bundle({ sources: githubSource, metrics: { namespace: 'Acme Sec' } });
  const { azureDeps } = await import('./deps');
  expect(metricLines(await rejectedWebhook(azureDeps))).toEqual([{
    time: expect.any(String), level: 'info', msg: 'metric', metric: 'webhooks.rejected', value: 1, unit: 'Count',
    namespace: 'Acme Sec', runtime: 'azure', tags: { source: 'github', reason: 'signature_invalid' },
  }]);
});

/**
 * No emulator exists for Entra ID nor Service Bus: @azure/identity is replaced by a recorder of
 * the options each DefaultAzureCredential is built with, and the Service Bus client's sender by a
 * recording one, so nothing reaches the network.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
jest.mock('@azure/identity', () => require('./identity-recorder.testkit').identityModule);

describe('the Service Bus bus of the configuration, on a namespace (managed identity)', () => {
  const CLIENT_ID = '5e1f3f5c-6a4b-4c1e-9d57-3f0e2b7c9a11';
  afterEach(() => {
    delete process.env.SECORCH_SERVICE_BUS__clientId;
    mockCredentialOptions.splice(0);
    jest.restoreAllMocks();
  });

  test('publishes as the user-assigned identity SECORCH_SERVICE_BUS__clientId names, the one the router\'s trigger uses', async () => {
    bundle({ bus: { type: 'service-bus', entity: 'secorch-events', namespace: 'fabrikam.servicebus.windows.net' } });
    process.env.SECORCH_SERVICE_BUS__clientId = CLIENT_ID;
    const { ServiceBusClient } = await import('@azure/service-bus');
    const sent: ServiceBusMessage[] = [];
    jest.spyOn(ServiceBusClient.prototype, 'createSender')
      .mockImplementation(() => ({ sendMessages: async (m: ServiceBusMessage) => void sent.push(m) }) as unknown as ServiceBusSender);
    const { azureDeps } = await import('./deps');
    await (await azureDeps()).bus.publish(busTestEvent());
    expect(sent).toHaveLength(1);
    expect(mockCredentialOptions).toEqual([{ managedIdentityClientId: CLIENT_ID }]);
  });
});

test('the client id of a client: its binding\'s <connection>__clientId, else AZURE_CLIENT_ID, else none (the system-assigned identity)', () => {
  const env = { SECORCH_SERVICE_BUS__clientId: 'bus-identity', AZURE_CLIENT_ID: 'app-identity' };
  expect(configuredClientId(env, 'SECORCH_SERVICE_BUS')).toBe('bus-identity');
  expect(configuredClientId({ ...env, SECORCH_SERVICE_BUS__clientId: '' }, 'SECORCH_SERVICE_BUS')).toBe('app-identity');
  expect(configuredClientId(env)).toBe('app-identity');
  expect(configuredClientId({})).toBeUndefined();
});

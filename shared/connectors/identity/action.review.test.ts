import { testDeps } from '../../../test/deps';
import type { CloudEvent } from '../../events/cloudevent';
import { identityActions, plannedFor } from './action';

/**
 * `on` is a plain object built from the configuration, and the event's type is its sender's
 * choice: only `on`'s own keys may map a type to actions. The perform below records what the
 * dispatcher asks the provider for (no provider is needed to see that).
 */
test('an event type named like an inherited Object member maps to no action, is not counted and reaches no provider', async () => {
  const { deps } = testDeps();
  const performed: unknown[] = [];
  const on = { 'secorch.identity.compromised': ['suspend', 'clear_sessions'] as ('suspend' | 'clear_sessions' | 'unsuspend')[] };
  const deliver = identityActions('okta-prod', { user: '{{ data.user.uid }}', on, allowApiOrigin: false, protect: [], limit: { actions: 1, perSeconds: 3600 } },
    async (action) => { performed.push(action); return 'done'; }, ['unsuspend']);
  const event = (type: string, id: string): CloudEvent => ({ specversion: '1.0', id, source: '/webhooks/siem', type, origin: 'webhook:siem', data: { user: { uid: '00u1' } } });
  for (const type of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', '__defineGetter__']) await deliver(event(type, type), deps);
  expect(performed).toEqual([]);
  expect(plannedFor(on, 'constructor')).toBeUndefined();
  expect(plannedFor(on, 'secorch.identity.compromised')).toEqual(['suspend', 'clear_sessions']);
});

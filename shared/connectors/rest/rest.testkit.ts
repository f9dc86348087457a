import { testDeps } from '../../../test/deps';
import type { CloudEvent } from '../../events/cloudevent';
import type { Deps } from '../../ports';
import { eachTestVendor, type Harness, type VendorTest } from '../transport.testkit';

/** Deps on the harness's guarded client, clock and logger; an event with the fields the tests template. */
export const depsOn = (h: Harness): Deps => ({ ...testDeps().deps, http: h.http, clock: h.clock, logger: h.logger });

export function userEvent(data: Record<string, unknown> = {}, extra: Partial<CloudEvent> = {}): CloudEvent {
  return {
    specversion: '1.0', id: 'evt-1', source: '/webhooks/okta', type: 'secorch.iam.account_change', subject: 'user-42',
    data: { user: { id: '00u42', email: 'ana@example.com' }, severity: 'High', tags: ['a', 'b'], count: 3, ...data },
    ...extra,
  };
}

/** eachTestVendor (../transport.testkit.ts) with deps on each test's harness. */
export const eachRestTest = (set: (t: VendorTest & { deps: Deps }) => unknown): void => eachTestVendor((t) => set({ ...t, deps: depsOn(t.h) }));

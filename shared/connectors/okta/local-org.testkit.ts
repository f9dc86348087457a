import { startVendorServer, type VendorServer } from '../../../test/support/vendor-server';
import { type Harness, harness } from '../transport.testkit';
import { type FakeOrg, fakeOrg } from './okta.testkit';

export interface LocalOktaOrg {
  /** The local server the org answers on. */
  readonly vendor: VendorServer;
  /** The transport harness (clock, http, logger) the connector under test uses. */
  readonly h: Harness;
  readonly org: FakeOrg;
}

/**
 * A local Okta org for each test of the calling file: a vendor server with `users` fake users
 * installed and a transport harness, both closed after the test. Read the members inside tests
 * (they are replaced before each one).
 */
export function localOktaOrg(users: number): LocalOktaOrg {
  const current = {} as { vendor: VendorServer; h: Harness; org: FakeOrg };
  beforeEach(async () => {
    current.vendor = await startVendorServer();
    current.h = harness();
    current.org = fakeOrg(users);
    current.org.install(current.vendor);
  });
  afterEach(async () => {
    await current.h.close();
    await current.vendor.close();
  });
  return current;
}

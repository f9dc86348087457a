import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { fixturePath } from '../../../test/fixtures';
import { mappedEvents } from '../types';
import { oktaMapper } from './index';

/*
 * Where the client was: Okta's geographicalContext.country is a country NAME ("Canada", "United
 * States"), OCSF's location.country an ISO 3166-1 alpha-2 code. Real Okta events: the
 * user.lifecycle.deactivate object of Okta's developer docs (fixtures/README.md), and the
 * user.session.start System Log example of Okta's management OpenAPI description
 * (../shared/fixtures/openapi/okta-management-minimal.yaml, components.examples.ListLogs).
 */
type Json = Record<string, unknown>;
const RECEIVED = Date.UTC(2024, 0, 2, 3, 4, 5);
const deactivate = (): Json => JSON.parse(readFileSync(join(__dirname, 'fixtures', 'user.lifecycle.deactivate.logevent.json'), 'utf8')) as Json;
const listLogsExample = (): Json => {
  const spec = parseYaml(readFileSync(fixturePath('openapi/okta-management-minimal.yaml'), 'utf8')) as Json;
  return ((((spec.components as Json).examples as Json).ListLogs as Json).value as Json[])[0]!;
};
const locationOf = (ev: Json): Json | undefined => {
  const [mapped] = mappedEvents(oktaMapper({ payload: ev, receivedAt: RECEIVED }));
  return ((mapped?.data as Json | undefined)?.src_endpoint as Json | undefined)?.location as Json | undefined;
};
const withCountry = (country: unknown): Json => {
  const ev = deactivate();
  ((ev.client as Json).geographicalContext as Json).country = country;
  return ev;
};

describe('Okta client location', () => {
  test('the docs\' deactivate event from Toronto: country "Canada" is CA', () => {
    expect(locationOf(deactivate())).toEqual({ city: 'Toronto', region: 'Ontario', country: 'CA', postal_code: 'M6B', coordinates: [-79.4462, 43.7114] });
  });

  test('the OpenAPI System Log example from New York: country "United States" is US', () => {
    const ev = listLogsExample();
    expect(ev.eventType).toBe('user.session.start');
    expect(locationOf(ev)).toMatchObject({ city: 'New York', region: 'New York', country: 'US' });
  });

  test.each([
    ['United Kingdom', 'GB'], ['Germany', 'DE'], ['Bosnia and Herzegovina', 'BA'], ["Cote d'Ivoire", 'CI'], ['Turkey', 'TR'], ['US', 'US'],
  ])('%s -> %s', (name, code) => {
    expect(locationOf(withCountry(name))).toMatchObject({ country: code });
  });

  test('a name that is no single country stays readable in desc, not in country', () => {
    for (const name of ['Congo', 'Atlantis', 'European Union']) {
      const location = locationOf(withCountry(name));
      expect(location).toMatchObject({ desc: name, city: 'Toronto' });
      expect(location).not.toHaveProperty('country');
    }
    expect(locationOf(withCountry(undefined))).not.toHaveProperty('desc');
  });
});

import { fixtureJson } from '../../test/fixtures';
import { securityhubMapper } from './aws';
import { githubMapper } from './github';
import { MAPPER_NAMES, mapperFor, mappers } from './index';
import { oktaMapper } from './okta';
import { pagerdutyMapper } from './pagerduty';
import { mappedEvents } from './types';

describe('mapper registry', () => {
  test('each configured name selects its mapper', () => {
    expect(mappers.github).toBe(githubMapper);
    expect(mapperFor('github')).toBe(githubMapper);
    expect(mapperFor('pagerduty')).toBe(pagerdutyMapper);
    expect(mapperFor('okta')).toBe(oktaMapper);
    expect(mapperFor('securityhub')).toBe(securityhubMapper);
    expect(MAPPER_NAMES).toEqual(['github', 'pagerduty', 'okta', 'securityhub']);
    const payload = fixtureJson('events/github-code_scanning_alert-created.payload.json');
    expect(mappers.github({ event: 'code_scanning_alert', payload, receivedAt: 0 })?.type).toBe('secorch.finding.created');
  });

  test('unknown names, including inherited property names, select nothing', () => {
    for (const name of ['gitlab', 'generic', 'constructor', '__proto__', 'toString', '']) expect(mapperFor(name)).toBeUndefined();
  });

  test('mappedEvents: undefined is none, one event is a list of one, a list stays as it is', () => {
    const e = { type: 't', data: 1 };
    expect(mappedEvents(undefined)).toEqual([]);
    expect(mappedEvents(e)).toEqual([e]);
    expect(mappedEvents([e, e])).toEqual([e, e]);
  });
});

import { fixtureJson } from '../../test/fixtures';
import { githubMapper } from './github';
import { MAPPER_NAMES, mapperFor, mappers } from './index';

describe('mapper registry', () => {
  test('the config name "github" selects the GitHub mapper', () => {
    expect(mappers.github).toBe(githubMapper);
    expect(mapperFor('github')).toBe(githubMapper);
    expect(MAPPER_NAMES).toEqual(['github']);
    const payload = fixtureJson('events/github-code_scanning_alert-created.payload.json');
    expect(mappers.github({ event: 'code_scanning_alert', payload, receivedAt: 0 })?.type).toBe('secorch.finding.created');
  });

  test('unknown names, including inherited property names, select nothing', () => {
    for (const name of ['gitlab', 'constructor', '__proto__', 'toString', '']) expect(mapperFor(name)).toBeUndefined();
  });
});

import { compileConfig } from '../config/compile';
import { githubMapper } from './github';
import { mapperConfigSchema, resolveMapper, type MapperConfig } from './config';
import { oktaMapper } from './okta';

const ENV = { SECRET: 's' };
const withMapper = (mapper: unknown) => ({ sources: { acme: { verify: { scheme: 'github', secret: '${SECRET}' }, mapper } } });
const problem = (mapper: unknown): string => {
  try {
    compileConfig(withMapper(mapper), ENV);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the configuration to be rejected');
};
const parse = (v: unknown): MapperConfig => {
  const r = mapperConfigSchema.safeParse(v);
  if (!r.success) throw new Error(JSON.stringify(r.error.issues));
  return r.data;
};

describe('mapper: setting', () => {
  test('a name selects the vendor mapper; the same function every time', () => {
    expect(resolveMapper(parse('github'))).toBe(githubMapper);
    expect(resolveMapper(parse('okta'))).toBe(oktaMapper);
    expect(compileConfig(withMapper('securityhub'), ENV).sources.acme!.mapper).toBe('securityhub');
  });

  test('a generic object is validated, defaulted, built once per configuration object', () => {
    const config = compileConfig(withMapper({ type: 'generic', uid: 'alert.id' }), ENV).sources.acme!.mapper!;
    expect(config).toEqual({ type: 'generic', as: 'finding', uid: 'alert.id' });
    const mapper = resolveMapper(config);
    expect(resolveMapper(config)).toBe(mapper);
    expect(resolveMapper(parse({ type: 'generic', uid: 'alert.id' }))).not.toBe(mapper); // another object, another build
    expect(mapper({ payload: { alert: { id: 7 } }, receivedAt: 0 })).toMatchObject({ subject: '7', type: 'secorch.finding.updated' });
  });

  test('unknown names and non-objects name the setting and the accepted forms', () => {
    for (const bad of ['gitlab', 'constructor', 42, ['github'], null]) {
      expect(problem(bad)).toContain('sources.acme.mapper: must be one of github, pagerduty, okta, securityhub, or a mapper object');
    }
  });

  test.each([
    ['a..b', 'sources.acme.mapper.uid: invalid path "a..b"'],
    ['a.', 'sources.acme.mapper.uid: invalid path "a."'],
    ['a[x]', 'sources.acme.mapper.uid: invalid path "a[x]"'],
    ['a["b]', 'sources.acme.mapper.uid: invalid path "a[\\"b]"'],
    ['', 'sources.acme.mapper.uid: invalid path "": empty path'],
  ])('a bad path %p is an error naming the field and the path', (path, message) => {
    expect(problem({ type: 'generic', uid: path })).toContain(message);
  });

  test('bad paths deeper in the object are named with their full path', () => {
    expect(problem({ type: 'generic', uid: ['repo', 'n..'] })).toContain('sources.acme.mapper.uid');
    expect(problem({ type: 'generic', uid: 'id', severity: { path: 'x[', map: {} } })).toContain('sources.acme.mapper.severity');
    expect(problem({ type: 'generic', uid: 'id', resource: { type: 'host', uid: '.h' } })).toContain('sources.acme.mapper.resource.uid: invalid path ".h"');
  });

  test('strict: unknown keys, a finding without uid, bad map values are rejected with their paths', () => {
    expect(problem({ type: 'generic', uid: 'id', titel: 'x' })).toContain('sources.acme.mapper.titel: unknown key');
    expect(problem({ type: 'generic' })).toContain('sources.acme.mapper.uid: required');
    expect(problem({ type: 'generic', uid: 'id', severity: { path: 's', map: { p1: 7 } } })).toContain('sources.acme.mapper.severity');
    expect(problem({ type: 'generic', uid: 'id', status: { path: 's', map: { open: 'opened' } } })).toContain('sources.acme.mapper.status');
    expect(problem({ type: 'generic', uid: 'id', event: 'deleted' })).toContain('sources.acme.mapper.event');
    expect(problem({ type: 'other' })).toContain('sources.acme.mapper.type');
  });

  test('a bad map value or setting names its full path and what is accepted, not just "Invalid input"', () => {
    const severity = problem({ type: 'generic', uid: 'id', severity: { path: 's', map: { p1: 'Critical', p2: 7 } } });
    expect(severity).toContain('sources.acme.mapper.severity.map.p1: ');
    expect(severity).toContain('sources.acme.mapper.severity.map.p2: ');
    expect(severity).toMatch(/severity\.map\.p1: [^;\n]*critical/);
    expect(problem({ type: 'generic', uid: 'id', status: { path: 's', map: { open: 'opened' } } })).toMatch(/sources\.acme\.mapper\.status\.map\.open: [^;\n]*in_progress/);
    expect(problem({ type: 'generic', uid: 'id', event: { path: 'a', map: { opened: 'opened' } } })).toMatch(/sources\.acme\.mapper\.event\.map\.opened: [^;\n]*resolved/);
    expect(problem({ type: 'generic', uid: 'id', event: { path: 'a', map: {}, fallback: 'updated' } })).toContain('sources.acme.mapper.event.fallback');
    expect(problem({ type: 'generic', uid: 'id', event: 'deleted' })).toMatch(/sources\.acme\.mapper\.event: [^;\n]*created/);
    expect(problem({ type: 'generic', uid: 'id', severity: 5 })).toMatch(/sources\.acme\.mapper\.severity: [^;\n]*path/);
  });

  test('as: event needs no uid', () => {
    expect(parse({ type: 'generic', as: 'event', subject: 'kind' })).toEqual({ type: 'generic', as: 'event', subject: 'kind' });
  });
});

import { compileConfig } from '../config/compile';

describe('the metrics section of the configuration', () => {
  test('is optional; both keys are accepted', () => {
    expect(compileConfig({}, {}).metrics).toBeUndefined();
    expect(compileConfig({ metrics: { enabled: false, namespace: 'Acme/Secorch prod' } }, {}).metrics).toEqual({ enabled: false, namespace: 'Acme/Secorch prod' });
  });

  test('an unknown key, or a namespace CloudWatch refuses, is an error naming its path', () => {
    expect(() => compileConfig({ metrics: { enable: true } }, {})).toThrow(/metrics\.enable: unknown key/);
    for (const namespace of ['AWS/Lambda', '   ', 'caf\u00e9', 'x'.repeat(256), 'a,b']) {
      expect(() => compileConfig({ metrics: { namespace } }, {})).toThrow(/metrics\.namespace: a CloudWatch namespace/);
    }
  });
});

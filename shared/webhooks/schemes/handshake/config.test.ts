import { compileConfig } from '../../../config/compile';
import { verifySchema } from '../../../config/schema';
import { AppError } from '../../../errors';

const source = (verify: Record<string, unknown>) => ({ sources: { s: { verify } } });
const compile = (verify: Record<string, unknown>) => compileConfig(source(verify), {}).sources.s!.verify;
function problem(verify: Record<string, unknown>): string {
  try {
    compile(verify);
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return (e as AppError).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('handshake scheme configuration', () => {
  it('fills in the documented defaults', () => {
    expect(compile({ scheme: 'okta', secret: 's' })).toEqual({ scheme: 'okta', secret: 's', header: 'Authorization' });
    expect(compile({ scheme: 'msgraph', secrets: ['a', 'b'] })).toEqual({ scheme: 'msgraph', secrets: ['a', 'b'] });
    expect(compile({ scheme: 'eventgrid', secret: 's' })).toEqual({
      scheme: 'eventgrid', secret: 's', header: 'X-Api-Key', queryParam: 'code',
      allowedOrigins: ['eventgrid.azure.net'], allowedRate: '*', requireSecretOnOptions: true,
    });
  });

  it('resolves secrets from the environment like every scheme', () => {
    const c = compileConfig(source({ scheme: 'msgraph', secret: '${GRAPH_CLIENT_STATE}' }), { GRAPH_CLIENT_STATE: 'from-env' });
    expect(c.sources.s!.verify).toMatchObject({ secret: 'from-env' });
  });

  it.each([
    ['an unknown key', { scheme: 'okta', secret: 's', signature: 'x' }, /sources\.s\.verify\.signature: unknown key/],
    ['no secret', { scheme: 'msgraph' }, /needs secret or secrets/],
    ['both secret and secrets', { scheme: 'eventgrid', secret: 'a', secrets: ['b'] }, /not both/],
    ['an empty secrets list', { scheme: 'okta', secrets: [] }, /sources\.s\.verify\.secrets/],
    ['a header that is no header name', { scheme: 'okta', secret: 's', header: 'Authorization:' }, /sources\.s\.verify\.header/],
    ['a query parameter name with markup', { scheme: 'eventgrid', secret: 's', queryParam: 'co<de' }, /sources\.s\.verify\.queryParam/],
    ['an origin that is no DNS name', { scheme: 'eventgrid', secret: 's', allowedOrigins: ['https://eventgrid.azure.net'] }, /allowedOrigins/],
    ['a fractional rate', { scheme: 'eventgrid', secret: 's', allowedRate: 1.5 }, /allowedRate/],
    ['an overlong Graph clientState', { scheme: 'msgraph', secret: 'x'.repeat(256) }, /at most 255/],
  ])('refuses %s, naming the key', (_, verify, message) => {
    expect(problem(verify)).toMatch(message);
  });

  it('never names a secret when refusing', () => {
    expect(problem({ scheme: 'msgraph', secret: `${'x'.repeat(250)}SECRETTAIL` })).not.toContain('SECRETTAIL');
  });

  it('keeps the schemes in the verify union', () => {
    for (const scheme of ['okta', 'msgraph', 'eventgrid']) expect(verifySchema.safeParse({ scheme, secret: 's' }).success).toBe(true);
  });
});

import { AppError } from '../errors';
import { compileConfig } from './compile';

/**
 * Destination names in routes and schedules are looked up among the configured ones only: a name
 * such as `toString` or `constructor` found Object.prototype's member, so a route to it passed
 * validation and every event it matched failed at the router ("not a function") until the queue
 * gave up, and schedules were refused as "a undefined destination".
 */
function problem(raw: unknown): string {
  try {
    compileConfig(raw, {});
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return (e as Error).message;
  }
  throw new Error('expected the configuration to be rejected');
}

const destinations = { f: { type: 'file', path: 'x' } };

test.each(['toString', 'constructor', 'hasOwnProperty', '__proto__'])('a route to %s is an unknown destination', (name) => {
  const message = problem({ routes: [{ name: 'r', filter: { prefix: { type: '' } }, to: ['f', name] }], destinations });
  expect(message).toContain(`routes[0].to[1]: unknown destination "${name}"`);
});

test.each([
  { type: 'archive-flush', destination: 'constructor' },
  { type: 'jira-sync', destination: 'constructor' },
  { type: 'servicenow-sync', destination: 'constructor' },
  { type: 'identity-sync', provider: 'okta', destination: 'constructor' },
])('a $type schedule naming destination constructor names an unknown destination', (job) => {
  const message = problem({ destinations, schedules: { s: { everySeconds: 600, job } } });
  expect(message).toContain('schedules.s.job.destination: unknown destination "constructor"');
});

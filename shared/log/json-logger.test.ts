import { fixedClock } from '../ports/clock';
import { jsonLogger } from './json-logger';

describe('json logger', () => {
  test('writes one JSON object per line with time, level and message, redacting secrets', () => {
    const lines: string[] = [];
    const log = jsonLogger({ clock: fixedClock(Date.parse('2026-01-01T00:00:00Z')), write: (l) => lines.push(l) }).child({ source: 'github' });
    log.info('received', {
      headers: { 'x-hub-signature-256': 'sha256=abc', authorization: 'Bearer tok', 'content-type': 'application/json' },
      config: { secret: 'whsec_abcdef', secrets: ['a', 'b'], apiKey: 'k' },
      note: 'sent with Bearer eyJhbGciOi.abc and whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw and sha256=0123456789abcdef0123456789abcdef',
    });
    log.debug('hidden');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ time: '2026-01-01T00:00:00.000Z', level: 'info', msg: 'received', source: 'github' });
    expect(entry.headers).toEqual({ 'x-hub-signature-256': '[redacted]', authorization: '[redacted]', 'content-type': 'application/json' });
    expect(entry.config).toEqual({ secret: '[redacted]', secrets: '[redacted]', apiKey: '[redacted]' });
    expect(lines[0]).not.toMatch(/eyJhbGciOi|MfKQ9r8|0123456789abcdef|whsec_abcdef/);
  });

  test('errors are logged by name and message, redacted', () => {
    const lines: string[] = [];
    const log = jsonLogger({ clock: fixedClock(0), write: (l) => lines.push(l), level: 'error' });
    log.error('failed', { error: new Error('token Bearer abc.def leaked') });
    expect(JSON.parse(lines[0]!).error).toEqual({ name: 'Error', message: 'token [redacted] leaked' });
  });
});

import { REDACTED } from '../log/redact';
import { scrubber, truncate } from './scrub';

describe('scrubber', () => {
  test('a secret that begins with another is removed whole, whatever order the secrets are listed in', () => {
    const short = 'hunter2hunter2';
    const long = `${short}-and-more`;
    for (const secrets of [[short, long], [long, short]]) {
      const said = scrubber(() => secrets)(`said: ${long} and ${short}`);
      expect(said).toBe(`said: ${REDACTED} and ${REDACTED}`);
      expect(said).not.toContain('-and-more');
    }
  });

  test('removes the JSON-escaped and percent-encoded forms an echo would quote, and skips values too short to be credentials', () => {
    const secret = 'p@ss "word"/1';
    const text = `raw ${secret} json ${JSON.stringify(secret)} url ${encodeURIComponent(secret)} short abc`;
    expect(scrubber(() => [secret, 'abc'])(text)).toBe(`raw ${REDACTED} json "${REDACTED}" url ${REDACTED} short abc`);
  });

  test('keeps long text whole: cutting it is the caller\'s choice (truncate)', () => {
    const text = 'x'.repeat(20_000);
    const said = scrubber(() => ['secret-value'])(text);
    expect(said.length).toBe(text.length);
    expect(said === text).toBe(true);
    expect(truncate(text, 10)).toBe(`${'x'.repeat(10)}...[19990 more characters]`);
  });
});

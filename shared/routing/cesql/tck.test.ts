import { readFileSync, readdirSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { fixturePath } from '../../../test/fixtures';
import type { CloudEvent } from '../../events/cloudevent';
import { cesqlMatches, compileCesql, evaluateCesql } from './index';

/**
 * The CESQL 1.0 test kit (cloudevents/spec cesql/cesql_tck, copied to ../shared/fixtures): one
 * jest test per case. Format in cesql_tck/README.md: an expression, an optional event (or
 * overrides of a full event), the expected result and the expected error type, if any.
 */
interface TckCase {
  name: string;
  expression: string;
  result?: boolean | number | string;
  error?: string;
  event?: CloudEvent;
  eventOverrides?: Record<string, unknown>;
}

type TckFile = { name: string; tests: TckCase[] };

const DIR = fixturePath('cloudevents/subscriptions/cesql_tck');

/**
 * Expressions such as `TRUE` or `0` are plain YAML scalars, which the core schema would turn into a
 * boolean or a number; the failsafe schema reads them verbatim, the core one gives typed results.
 */
function load(file: string): TckFile & { file: string } {
  const text = readFileSync(`${DIR}/${file}`, 'utf8');
  const typed = parseYaml(text) as TckFile;
  const verbatim = parseYaml(text, { schema: 'failsafe' }) as TckFile;
  return { file, name: typed.name, tests: typed.tests.map((c, i) => ({ ...c, expression: verbatim.tests[i]!.expression })) };
}

const suites = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort().map(load);

/** "Any valid event" when a case gives none: every optional context attribute, no extension. */
const FULL_EVENT: CloudEvent = {
  specversion: '1.0',
  id: 'full-event',
  source: 'http://example.com/source',
  type: 'com.example.someevent',
  subject: 'topic',
  time: '2020-03-19T12:34:56.789Z',
  datacontenttype: 'application/json',
  dataschema: 'http://example.com/schema',
  data: { hello: 'world' },
};

const inputEvent = (c: TckCase): CloudEvent => ({ ...(c.event ?? FULL_EVENT), ...c.eventOverrides }) as CloudEvent;

test('the test kit is all there', () => {
  expect(suites.length).toBe(18);
  expect(suites.reduce((n, s) => n + s.tests.length, 0)).toBeGreaterThanOrEqual(200);
});

describe.each(suites)('CESQL TCK $file: $name', ({ tests }) => {
  test.each(tests.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const compiled = compileCesql(c.expression);
    if (c.error === 'parse') {
      expect(compiled.ok).toBe(false);
      if (!compiled.ok) expect(compiled.error).toMatch(/^parse error at position \d+: /);
      return;
    }
    if (!compiled.ok) throw new Error(compiled.error);
    const event = inputEvent(c);
    const { value, errors } = evaluateCesql(compiled.program, event);
    if (c.result !== undefined) expect(value).toStrictEqual(c.result);
    // The expected error type and no other (e.g. `missing / 0` is a missingAttribute, not a math error).
    expect([...new Set(errors.map((e) => e.kind))]).toEqual(c.error === undefined ? [] : [c.error]);
    // The filter decision agrees: a match only for `true` without errors (subscriptions 3.2.4.1.2).
    expect(cesqlMatches(compiled.program, event)).toBe(value === true && errors.length === 0);
  });
});

import type { CloudEvent } from '../../events/cloudevent';
import { attributeString } from '../../events/cloudevent';
import { workBudget } from './budget';
import { evaluate } from './evaluate';
import { cesqlMatches, compileCesql, evaluateCesql } from './index';
import type { Node } from './types';

/**
 * CESQL addresses context attributes (spec 3.2); the payload, `data` or `data_base64`, is absent
 * to it exactly as to the other filter dialects (attributeString).
 */
const event: CloudEvent = { specversion: '1.0', id: '1', source: 's', type: 't', data_base64: 'c2VjcmV0', datacontenttype: 'text/plain' };
const withData: CloudEvent = { specversion: '1.0', id: '2', source: 's', type: 't', data: 'secret' };

const attribute = (name: string): Node => ({ kind: 'attribute', pos: 0, name });
const exists = (name: string): Node => ({ kind: 'exists', pos: 0, name });

describe('CESQL does not see the event payload', () => {
  test.each([
    ['data_base64', event],
    ['data', withData],
  ])('%s is a missing attribute, as for the other dialects', (name, e) => {
    expect(attributeString(e, name)).toBeUndefined();
    const errors: { kind: string }[] = [];
    // Built in code: the grammar cannot spell `data_base64` (identifiers are [A-Za-z0-9]+).
    expect(evaluate(attribute(name), { event: e, errors: errors as never, failFast: false, budget: workBudget(e) })).toBe(false);
    expect(errors.map((x) => x.kind)).toEqual(['missingAttribute']);
    expect(evaluate(exists(name), { event: e, errors: [], failFast: false, budget: workBudget(e) })).toBe(false);
  });

  test('through the public API: EXISTS data is false and comparing it never matches', () => {
    const c = compileCesql("EXISTS data OR data = 'secret' OR data LIKE '%'");
    if (!c.ok) throw new Error(c.error);
    expect(evaluateCesql(c.program, withData)).toMatchObject({ value: false });
    expect(cesqlMatches(c.program, withData)).toBe(false);
    expect(compileCesql('EXISTS data_base64')).toMatchObject({ ok: false });
  });
});

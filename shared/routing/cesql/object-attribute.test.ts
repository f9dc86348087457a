import type { CloudEvent } from '../../events/cloudevent';
import { BASE_WORK, CesqlBudgetExceeded, PASSES_PER_EVENT, type CesqlProgram, cesqlMatches, compileCesql, evaluateCesql } from './index';

/**
 * Extension values that are JSON objects or arrays. POST /events refuses them (spec-checks.ts),
 * but the router takes any queued event validateCloudEvent accepts, and that check does not look
 * at extension types: such an event reaches every route and subscription filter. CESQL reads the
 * value as its JSON text (spec 3.2), and making that text is work that grows with the value.
 * Work is counted, never timed: JSON.stringify is spied on.
 */
const inner = 'a'.repeat(64 * 1024);
const o = [inner];
/** What `o` reads as, and its length in units. */
const text = JSON.stringify(o);
const event: CloudEvent = { specversion: '1.0', id: '1', source: 's', type: 't', o };
/** The base plus four passes over every attribute, the object counted as its JSON text. */
const limit = BASE_WORK + PASSES_PER_EVENT * (text.length + '1.0'.length + 3);

function program(expr: string): CesqlProgram {
  const c = compileCesql(expr);
  if (!c.ok) throw new Error(c.error);
  return c.program;
}

function stringifyCalls(run: () => void): number {
  const spy = jest.spyOn(JSON, 'stringify');
  try {
    run();
    return spy.mock.calls.length;
  } finally {
    spy.mockRestore();
  }
}

/** A balanced OR tree: a chain of n ORs would be n levels deep, over the nesting cap. */
const anyOf = (terms: string[]): string =>
  terms.length === 1 ? terms[0]! : `(${anyOf(terms.slice(0, terms.length >> 1))} OR ${anyOf(terms.slice(terms.length >> 1))})`;

describe('an object-valued extension', () => {
  test('reads as its JSON text (spec 3.2: a value that is not a CESQL type is a String)', () => {
    const e: CloudEvent = { ...event, o: { k: [1, true] } };
    expect(evaluateCesql(program(`o = '{"k":[1,true]}'`), e)).toEqual({ value: true, errors: [] });
  });

  test('each read is charged the length of the text it makes, so repeated reads stop at the budget', () => {
    // `o = ''` compares strings of different lengths, which is free: only the reads cost.
    const p = program(anyOf(Array(100).fill("o = ''")));
    let thrown: unknown;
    const n = stringifyCalls(() => {
      try {
        cesqlMatches(p, event);
      } catch (e) {
        thrown = e;
      }
    });
    expect(thrown).toBeInstanceOf(CesqlBudgetExceeded);
    expect((thrown as CesqlBudgetExceeded).limit).toBe(limit);
    // The reads the budget covers, the one that overdrew it, and one measure of the event when
    // the base ran out (its share of the limit counts the object's text).
    expect(n).toBe(Math.floor(limit / text.length) + 2);
  });

  test('a filter reading a large object once fits: the budget grows with the text', () => {
    const e: CloudEvent = { ...event, o: [`${'a'.repeat(2 * BASE_WORK)}needle`] };
    expect(cesqlMatches(program("o LIKE '%needle%'"), e)).toBe(true);
  });

  test('EXISTS does not make the text', () => {
    const p = program(anyOf(Array(100).fill('NOT EXISTS o')));
    expect(stringifyCalls(() => expect(cesqlMatches(p, event)).toBe(false))).toBe(0);
  });
});

import { validateCloudEvent } from './cloudevent';
import { dropNullAttributes, eventProblems, isRfc3339 } from './spec-checks';

/**
 * Invalid events, each breaking one rule of CloudEvents 1.0.2 (the conformance kit has valid
 * events only). spec = cloudevents/spec.md, json = formats/json-format.md, both at v1.0.2.
 */
const ok = { specversion: '1.0', id: 'x-1', source: 'https://scanner.example.com/ci', type: 'com.example.scan' };

describe('eventProblems', () => {
  test.each([
    ['all core attributes', { ...ok, time: '2018-04-05T17:31:00Z', subject: 's', datacontenttype: 'application/json', dataschema: 'https://example.com/s.json', data: {} }],
    ['source as a relative reference (spec: URI-reference)', { ...ok, source: '/mycontext' }],
    ['source as a URN', { ...ok, source: 'urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66' }],
    ['extension values of every allowed type (spec: type system)', { ...ok, ext1: 'v', ext2: -2147483648, ext3: 2147483647, ext4: false, ext5: '' }],
    ['binary data (json 3.1.1)', { ...ok, datacontenttype: 'image/png', data_base64: 'iVBORw0KGgo=' }],
    ['string data with a non-JSON type (json 3.1.1)', { ...ok, datacontenttype: 'application/xml', data: '<a/>' }],
    ['a JSON string as data with no datacontenttype (json 3.2)', { ...ok, data: "I'm just a string" }],
    ['non-BMP characters in a string (spec: surrogate pairs are fine)', { ...ok, subject: '🌎 \ud800\udead' }],
    ['an extension name over 20 characters (spec: naming, the 20 is a SHOULD NOT)', { ...ok, correlationidentifier: 'v' }],
    ['time in a leap second (RFC 3339 section 5.7)', { ...ok, time: '2016-12-31T23:59:60Z' }],
    ['time in a leap second, written in another zone', { ...ok, time: '2017-01-01T05:29:60.5+05:30' }],
  ])('valid: %s', (_n, ev) => expect(eventProblems(ev)).toEqual([]));

  test.each([
    ['specversion other than 1.0', { ...ok, specversion: '0.3' }, 'specversion'],
    ['specversion as a number', { ...ok, specversion: 1.0 }, 'specversion'],
    ['empty id (spec: non-empty string)', { ...ok, id: '' }, 'id'],
    ['missing source', { ...ok, source: undefined }, 'source'],
    ['source with a space (spec: URI-reference)', { ...ok, source: '/my context' }, 'source'],
    ['source with a bad percent escape', { ...ok, source: '/a%zz' }, 'source'],
    ['type as a number', { ...ok, type: 7 }, 'type'],
    ['time without a timezone (RFC 3339)', { ...ok, time: '2018-04-05T17:31:00' }, 'time'],
    ['time as a date only', { ...ok, time: '2018-04-05' }, 'time'],
    ['time on February 30th', { ...ok, time: '2018-02-30T00:00:00Z' }, 'time'],
    ['time as prose Date.parse would accept', { ...ok, time: 'April 5, 2018' }, 'time'],
    ['time with second 60 where no leap second can be (RFC 3339 section 5.7: 23:59:60 UTC)', { ...ok, time: '2018-04-05T17:31:60Z' }, 'time'],
    ['empty subject (spec: non-empty if present)', { ...ok, subject: '' }, 'subject'],
    ['dataschema relative (spec: absolute URI)', { ...ok, dataschema: '/schemas/a.json' }, 'dataschema'],
    ['datacontenttype not a media type (RFC 2046)', { ...ok, datacontenttype: 'json' }, 'datacontenttype'],
    ['an upper-case extension name (spec: naming)', { ...ok, myExt: 'v' }, 'myExt'],
    ['an object extension value (spec: type system)', { ...ok, ext: { a: 1 } }, 'ext'],
    ['a fractional extension value (json 2.2: integers only)', { ...ok, ext: 1.5 }, 'ext'],
    ['an integer beyond 32 bits (spec: Integer range)', { ...ok, ext: 2147483648 }, 'ext'],
    ['a newline in a string (spec: String, control characters)', { ...ok, subject: 'a\nb' }, 'subject'],
    ['a C1 control character', { ...ok, ext: 'a\u0085b' }, 'ext'],
    ['an unpaired surrogate', { ...ok, subject: 'a\udeadb' }, 'subject'],
    ['a noncharacter', { ...ok, subject: 'a\ufffeb' }, 'subject'],
    ['data and data_base64 together (json 3.1.1)', { ...ok, data: 'x', data_base64: 'eA==' }, 'data'],
    ['data_base64 not Base64', { ...ok, data_base64: 'not base64!' }, 'data_base64'],
    ['data_base64 without padding (RFC 4648)', { ...ok, data_base64: 'eA' }, 'data_base64'],
    ['object data with a non-JSON datacontenttype (json 3.1.2)', { ...ok, datacontenttype: 'text/plain', data: { a: 1 } }, 'data'],
  ])('invalid: %s', (_n, ev, attribute) => {
    const problems = eventProblems(ev);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${attribute}: `));
  });

  test('one problem per attribute even when two rules catch it', () => {
    expect(eventProblems({ ...ok, time: 'garbage' })).toEqual(['time: must be an RFC 3339 timestamp']);
  });

  test('not an object', () => {
    expect(eventProblems([ok])).toEqual(['event: must be a JSON object']);
  });
});

describe('isRfc3339', () => {
  test.each([
    '2018-04-05T17:31:00Z', '2018-04-05t17:31:00.123456z', '2018-04-05T17:31:00+05:30', '2016-12-31T23:59:60Z', '2020-02-29T00:00:00-00:00',
    // a leap second is 23:59:60 UTC, whatever the offset it is written in
    '2016-12-31T18:59:60-05:00', '2017-01-01T00:59:60+01:00', '2015-07-01T05:29:60+05:30',
    // year 0000 is a leap year in the proleptic Gregorian calendar (divisible by 400)
    '0000-02-29T00:00:00Z',
  ])(
    '%s is valid',
    (s) => expect(isRfc3339(s)).toBe(true),
  );
  test.each([
    '2018-04-05 17:31:00Z', '2018-13-01T00:00:00Z', '2019-02-29T00:00:00Z', '2018-04-05T24:00:00Z', '2018-04-05T17:31:00+24:00', '2018-04-05T17:31Z',
    // second 60 anywhere but 23:59 UTC is no leap second
    '2016-12-31T23:58:60Z', '2016-12-31T12:59:60Z', '2016-12-31T23:59:60+01:00', '1900-02-29T00:00:00Z',
  ])(
    '%s is not',
    (s) => expect(isRfc3339(s)).toBe(false),
  );
});

describe('validateCloudEvent (what the router checks on every queued event)', () => {
  test('takes a leap second as a time: Date.parse alone refuses second 60', () => {
    expect(validateCloudEvent({ ...ok, time: '2016-12-31T23:59:60Z' })).toEqual([]);
    expect(validateCloudEvent({ ...ok, time: '2016-12-31T23:59:60.250+00:00' })).toEqual([]);
    expect(validateCloudEvent({ ...ok, time: 'garbage' })).toEqual(['time: must be an RFC 3339 timestamp']);
  });
});

test('dropNullAttributes: null attributes are unset, data: null stays (json 2.2, 3.1.1)', () => {
  expect(dropNullAttributes({ ...ok, subject: null, ext: null, data: null })).toEqual({ ...ok, data: null });
});

import type { CloudEvent } from '../../events/cloudevent';
import { eventHour } from './keys';

/**
 * RFC 3339 allows a leap second (`23:59:60`, section 5.7), and so does POST /events; Date.parse
 * does not (NaN). Such a time is an RFC 3339 time, so its event is partitioned by its own hour
 * (the leap second belongs to the minute before the next hour), not by the hour it was buffered.
 */
const at = (time: string): CloudEvent => ({ specversion: '1.0', id: 'a', source: '/s', type: 't', time });

test.each([
  ['2016-12-31T23:59:60Z', '2016123123'],
  ['2016-12-31T23:59:60.5Z', '2016123123'],
  ['2016-12-31t23:59:60z', '2016123123'],
  ['2016-12-31T18:59:60-05:00', '2016123123'],
  ['2017-01-01T08:59:60+09:00', '2016123123'],
])('a leap second %s is partitioned by its own hour (%s)', (time, hour) => {
  expect(eventHour(at(time))).toBe(hour);
});

test('times that are not RFC 3339 still count as no time', () => {
  expect(eventHour(at('2016-12-31T23:59:61Z'))).toBeUndefined();
  expect(eventHour(at('2016-12-31T23:59:60'))).toBeUndefined();
});

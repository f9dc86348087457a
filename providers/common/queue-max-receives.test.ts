import { queueMaxReceives } from './queue-max-receives';

test('the queue\'s receives before its dead-letter queue: SECORCH_QUEUE_MAX_RECEIVES when it is a whole number, else the documented one', () => {
  expect(queueMaxReceives(5, {})).toBe(5);
  expect(queueMaxReceives(5, { SECORCH_QUEUE_MAX_RECEIVES: '8' })).toBe(8);
  expect(queueMaxReceives(10, { SECORCH_QUEUE_MAX_RECEIVES: ' 3 ' })).toBe(3);
  for (const bad of ['', '0', '-5', '1.5', '2e3', 'five', '100000']) {
    expect(queueMaxReceives(5, { SECORCH_QUEUE_MAX_RECEIVES: bad })).toBe(5);
  }
});

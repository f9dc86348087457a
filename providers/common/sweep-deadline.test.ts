import { sweepDeadline } from './sweep-deadline';

test("the function's timeout as deployed: SECORCH_FUNCTION_TIMEOUT_SECONDS when it is a whole number of seconds, else the documented one", () => {
  const now = 1_000_000;
  expect(sweepDeadline(now, 300, {})).toBe(now + 300_000);
  expect(sweepDeadline(now, 300, { SECORCH_FUNCTION_TIMEOUT_SECONDS: '540' })).toBe(now + 540_000);
  for (const bad of ['', '0', '-5', '1.5', '2e3', 'ten', '999999']) {
    expect(sweepDeadline(now, 180, { SECORCH_FUNCTION_TIMEOUT_SECONDS: bad })).toBe(now + 180_000);
  }
});

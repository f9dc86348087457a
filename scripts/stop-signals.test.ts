import { stopSignals } from './stop-signals';

/** npm start's reading of stop signals, on a hand-moved clock. */
const setup = () => {
  let now = 0;
  const calls: string[] = [];
  const signals = stopSignals({ now: () => now, stop: (sig) => void calls.push(`stop ${sig}`), kill: () => void calls.push('kill') });
  return { signals, calls, at: (ms: number) => void (now = ms) };
};

test('one Ctrl-C that arrives twice (the terminal and tsx relaying it) only asks the workers to stop', () => {
  const { signals, calls, at } = setup();
  expect(signals.stopping()).toBe(false);
  signals.onSignal('SIGINT');
  at(35);
  signals.onSignal('SIGINT');
  at(999);
  signals.onSignal('SIGTERM');
  expect(calls).toEqual(['stop SIGINT']);
  expect(signals.stopping()).toBe(true);
});

test('a second Ctrl-C a second or more later kills at once, and only once', () => {
  const { signals, calls, at } = setup();
  signals.onSignal('SIGTERM');
  at(1000);
  signals.onSignal('SIGINT');
  at(5000);
  signals.onSignal('SIGINT');
  expect(calls).toEqual(['stop SIGTERM', 'kill']);
});

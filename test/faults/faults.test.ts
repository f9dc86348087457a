import { runFaults } from './harness';

/**
 * The 1,000-event version of the delivery fault test (`npm run test:faults` runs 10,000). Real
 * HTTP receivers, the SQLite state store, a worker process killed with SIGKILL and restarted.
 */
test('1,000 events through faults and a worker kill: nothing lost, repeats only around the kill', async () => {
  const report = await runFaults({ events: 1000, scale: 6000, killAfterRequests: 1200, deadlineMs: 100_000 });
  console.log(`delivery faults (1,000 events): ${JSON.stringify(report)}`);
  expect(report.missing).toBe(0);
  expect(report.pending).toBe(0);
  expect(report.succeeded + report.failed).toBe(3000);
  expect(report.failedWithoutFullLog).toBe(0);
  expect(report.idsPerDelivery).toBe(1);
  expect(report.killedAtRequest).toBeGreaterThan(0);
  // Every 2xx a receiver gave is the recorded success, a late answer to an attempt recorded as a
  // timeout or error (tried again, rightly), or an attempt in flight when the worker died; and no
  // delivery is tried again after a recorded success.
  expect(report.unexplainedSuccesses).toBe(0);
  expect(report.recordedSuccessTwice).toBe(0);
  // Only attempts in flight when the worker died go unrecorded (and any a lapsed lease let a
  // second worker send): at most its concurrency, and so are the repeats they cause.
  expect(report.unrecordedAttempts).toBeLessThanOrEqual(32);
  expect(report.repeatsAroundKill).toBeLessThanOrEqual(32);
  // The flaky receivers succeed most of the time: most deliveries must have made it.
  expect(report.succeeded).toBeGreaterThan(1900);
}, 120_000);

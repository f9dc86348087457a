/**
 * `npm run test:faults`: the 10,000-event delivery fault test (see harness.ts). Prints the counts
 * and exits non-zero when anything was lost or repeated outside the kill window.
 */
import { runFaults } from './harness';

async function main(): Promise<number> {
  const events = Number(process.env.FAULT_EVENTS || 10_000);
  const report = await runFaults({ events, scale: 3000, killAfterRequests: Math.floor(events * 1.2), deadlineMs: 270_000, log: (l) => console.log(`faults: ${l}`) });
  console.log(JSON.stringify(report, null, 2));
  const problems = [
    report.missing > 0 && `${report.missing} deliveries missing`,
    report.pending > 0 && `${report.pending} deliveries still pending`,
    report.failedWithoutFullLog > 0 && `${report.failedWithoutFullLog} failed deliveries without their attempts`,
    report.idsPerDelivery !== 1 && `a delivery arrived under ${report.idsPerDelivery} webhook-ids`,
    report.unrecordedAttempts > 32 && `${report.unrecordedAttempts} attempts sent without being recorded (more than were in flight at the kill)`,
    report.repeatsAroundKill > 32 && `${report.repeatsAroundKill} deliveries answered 2xx twice by unrecorded attempts (more than were in flight at the kill)`,
    report.unexplainedSuccesses > 0 && `${report.unexplainedSuccesses} 2xx answers no attempt, recorded or not, accounts for`,
    report.recordedSuccessTwice > 0 && `${report.recordedSuccessTwice} deliveries tried again after a recorded success`,
  ].filter(Boolean);
  console.log(`${events} events, ${report.deliveries} deliveries: ${report.succeeded} succeeded, ${report.failed} failed, ${report.requests} requests, ${report.repeatedSuccess} repeats (${report.repeatsAroundKill} around the kill, ${report.lateAnswerRepeats} after a late answer; ${report.unrecordedAttempts} unrecorded attempts, ${report.answeredButRecordedAsFailed} answers taken for failures), ${(report.realMs / 1000).toFixed(1)} s`);
  for (const p of problems) console.error(`FAIL: ${p}`);
  return problems.length === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (e: unknown) => {
  console.error(e);
  process.exit(1);
});

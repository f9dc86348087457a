export { claimDueRun, recordRun, scheduleKeys, writeLease, type Claim, type RunLease, type RunRecord } from './claim';
export { cronProblem, dueRun, FIRST_LOOK_BACK_MS, parseCron, type DueRun } from './due';
export { jobOf, jobs, type JobContext, type JobDefinition, type JobResult } from './jobs';
export { scheduleProblems } from './problems';
export { keepLease, type LeaseOptions } from './lease';
export { DEFAULT_LEASE, failed, runSchedule, type ScheduleOutcome } from './run';

import type { ScheduledEvent } from 'aws-lambda';
import type { ScheduledHandler, Tick } from '../../shared/contracts';
import { testDeps } from '../../test/deps';
import { fixtureJson } from '../../test/fixtures';
import { awsSchedule, toTick } from './schedule';

// Real EventBridge scheduled event (aws-lambda-rust-runtime fixtures, see ../shared/fixtures/SOURCES.md).
const fixture = () => fixtureJson<ScheduledEvent>('events/aws-eventbridge-scheduled-event.json');
const START = Date.parse('2026-01-01T00:00:00Z');
const echo: ScheduledHandler = async (tick) => ({ name: tick.name, ok: true, details: { scheduledAt: tick.scheduledAt } });
const run = awsSchedule(echo, async () => testDeps({}, {}, START).deps);

test('the fixture: the rule name from resources[0] and the event time', async () => {
  await expect(run(fixture())).resolves.toEqual({
    name: 'my-scheduled-rule', ok: true, details: { scheduledAt: Date.parse('2015-10-08T16:53:06Z') },
  });
  expect(Date.parse('2015-10-08T16:53:06Z')).toBe(1444323186000);
});

test('detail.name wins over the rule name', async () => {
  const event = { ...fixture(), detail: { name: 'okta-sync' } };
  await expect(run(event)).resolves.toMatchObject({ name: 'okta-sync', details: { scheduledAt: 1444323186000 } });
});

test('a constant target input replaces the event (serverless.yml input, serverless-offline): name from it, time from the clock', () => {
  expect(toTick({ name: 'jira-sync' }, () => START)).toEqual<Tick>({ name: 'jira-sync', scheduledAt: START });
});

test('a rule on a custom bus and an EventBridge Scheduler schedule give their last ARN segment', () => {
  const at = () => 0;
  expect(toTick({ ...fixture(), resources: ['arn:aws:events:us-east-1:123456789012:rule/my-bus/nightly'] }, at).name).toBe('nightly');
  expect(toTick({ ...fixture(), resources: ['arn:aws:scheduler:us-east-1:123456789012:schedule/default/hourly'] }, at).name).toBe('hourly');
});

test("serverless-offline's own event (empty resources, no input) names no schedule and is refused", async () => {
  const event = { ...fixture(), resources: [] };
  await expect(run(event)).rejects.toThrow(/names no schedule/);
});

test("Lambda's remaining time becomes the tick's deadline on the deps clock; without a context there is none", async () => {
  const seen: Tick[] = [];
  const keep: ScheduledHandler = async (tick) => (seen.push(tick), { name: tick.name, ok: true });
  const withDeadline = awsSchedule(keep, async () => testDeps({}, {}, START).deps);
  await withDeadline(fixture(), { getRemainingTimeInMillis: () => 179_250 });
  await withDeadline(fixture());
  expect(seen.map((t) => t.deadline)).toEqual([START + 179_250, undefined]);
});

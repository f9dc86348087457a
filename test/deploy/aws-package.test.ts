import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AWS_FINDING_EVENTS } from '../../shared/mappers/aws/eventbridge';
import { EVENTBRIDGE_MAX_ATTEMPTS } from '../../providers/aws/eventbridge';

/**
 * `osls package` on serverless.yml, for a cloud stage: the generated CloudFormation must declare
 * every function with its trigger, and IAM statements scoped to named resources. The bundles are
 * stubs in a throw-away build folder (SECORCH_AWS_BUNDLE): this checks the deployment wiring, the
 * bundles themselves are tested in test/bundles. CI also packages the real build (.ci/run).
 */
const ROOT = join(__dirname, '..', '..');
const BUNDLE = `.pkg-test-${process.pid}`;
const FUNCTIONS = readdirSync(join(ROOT, 'providers/aws/functions')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => f.slice(0, -3));

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };
let resources: Record<string, Resource>;

beforeAll(() => {
  for (const fn of FUNCTIONS) {
    mkdirSync(join(ROOT, 'dist', BUNDLE, fn), { recursive: true });
    writeFileSync(join(ROOT, 'dist', BUNDLE, fn, 'index.js'), 'exports.handler = async () => undefined;\n');
  }
  const out = mkdtempSync(join(tmpdir(), 'secorch-pkg-'));
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', 'prod', '--package', out], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, SECORCH_AWS_BUNDLE: BUNDLE, GITHUB_WEBHOOK_SECRET: 'from-the-deploy-environment', SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`osls package failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  resources = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8')).Resources;
  rmSync(out, { recursive: true, force: true });
}, 180_000);

afterAll(() => rmSync(join(ROOT, 'dist', BUNDLE), { recursive: true, force: true }));

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const statements = (): Statement[] =>
  ofType('AWS::IAM::Role').flatMap(([, r]) => (r.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) => p.PolicyDocument.Statement));
const logicalId = (fn: string) => `${fn.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()).replace(/^\w/, (c) => c.toUpperCase())}LambdaFunction`;

test('every AWS function entry is a deployed Lambda function', () => {
  const deployed = ofType('AWS::Lambda::Function').map(([id]) => id);
  for (const fn of ['webhook-ingress', 'api', 'health', 'event-router', 'webhook-delivery', 'cloud-findings', 'storage-ingest', 'scheduler']) {
    expect(deployed).toContain(logicalId(fn));
  }
});

test('each function has its trigger', () => {
  const mappings = ofType('AWS::Lambda::EventSourceMapping').map(([, r]) => JSON.stringify(r.Properties));
  const byQueue = (queue: string, fn: string) => mappings.some((m) => m.includes(`"${queue}","Arn"`) && m.includes(logicalId(fn)));
  expect(byQueue('EventsQueue', 'event-router')).toBe(true);
  expect(byQueue('DeliveryQueue', 'webhook-delivery-wake-up')).toBe(true);
  expect(byQueue('IngestQueue', 'storage-ingest')).toBe(true);
  const rules = ofType('AWS::Events::Rule').map(([, r]) => JSON.stringify(r.Properties));
  expect(rules.some((r) => r.includes('rate(1 minute)') && r.includes(logicalId('scheduler')))).toBe(true);
  expect(rules.some((r) => r.includes('aws.securityhub') && r.includes(logicalId('cloud-findings')))).toBe(true);
  // Every (source, detail-type) the mappers read reaches the function: a rule per pair.
  const patterns = ofType('AWS::Events::Rule')
    .filter(([, r]) => JSON.stringify(r.Properties).includes(logicalId('cloud-findings')))
    .map(([, r]) => r.Properties.EventPattern as { source?: string[]; 'detail-type'?: string[] } | undefined);
  for (const { source, detailType } of AWS_FINDING_EVENTS) {
    expect(patterns.some((p) => p?.source?.includes(source) && p['detail-type']?.includes(detailType))).toBe(true);
  }
  const api = ofType('AWS::ApiGateway::Method').map(([, r]) => JSON.stringify(r.Properties));
  expect(api.some((m) => m.includes(logicalId('webhook-ingress')))).toBe(true);
  // The reports bucket notifies the ingest queue, which only this bucket may send to.
  const bucket = resources.ReportsBucket!;
  expect(JSON.stringify(bucket.Properties.NotificationConfiguration)).toContain('"IngestQueue","Arn"');
  expect(bucket.DependsOn).toContain('IngestQueuePolicy');
  expect(JSON.stringify(resources.IngestQueuePolicy!.Properties)).toContain('aws:SourceArn');
  // The events queue and its dead-letter queue take events up to the bus's 1 MiB.
  for (const q of ['EventsQueue', 'EventsDeadLetterQueue']) expect(resources[q]!.Properties.MaximumMessageSize).toBe(1048576);
});

/**
 * Queues made before SQS raised its default keep 256 KiB, so a queue that holds events or
 * invocation records sets 1 MiB itself. Only the queues of small messages may leave it out: the
 * delivery wake-ups (an id and a time) and the bucket notifications of the ingest queue, each with
 * its dead-letter queue. A new queue must set it or be added here knowingly.
 */
const SMALL_MESSAGE_QUEUES = ['DeliveryQueue', 'DeliveryDeadLetterQueue', 'IngestQueue', 'IngestDeadLetterQueue'];

test('every SQS queue that holds events or invocation records takes messages of 1 MiB', () => {
  const queues = ofType('AWS::SQS::Queue');
  expect(queues.map(([id]) => id)).toEqual(expect.arrayContaining(['EventsQueue', 'EventsDeadLetterQueue', 'CloudFindingsDeadLetterQueue', ...SMALL_MESSAGE_QUEUES]));
  for (const [id, q] of queues) {
    if (SMALL_MESSAGE_QUEUES.includes(id)) continue;
    expect({ id, size: q.Properties.MaximumMessageSize }).toEqual({ id, size: 1048576 });
  }
});

test('IAM statements name their resources: no "*" beyond logs, tracing and metrics', () => {
  const all = statements();
  expect(all.length).toBeGreaterThan(5);
  const allowedStar = /^(logs|xray|cloudwatch):/;
  for (const s of all) {
    const resources = JSON.stringify(s.Resource);
    const actions = ([] as string[]).concat(s.Action);
    if (/"\*"|:\*"|^"\*/.test(resources) || resources === '"*"') {
      expect(actions.every((a) => allowedStar.test(a))).toBe(true);
    }
    expect(actions.some((a) => a === '*' || a.endsWith(':*'))).toBe(false);
  }
  // The statements the functions need are there, each on its own resource.
  const find = (action: string) => all.filter((s) => ([] as string[]).concat(s.Action).includes(action)).map((s) => JSON.stringify(s.Resource));
  expect(find('dynamodb:PutItem').join()).toContain('StateTable');
  expect(find('s3:GetObject').join()).toContain('secorch-prod-reports/*');
  expect(find('s3:PutObject').join()).toContain('secorch-prod-archive/*');
  expect(find('secretsmanager:GetSecretValue').join()).toContain('secret:secorch/prod/*');
  // The router delays the redelivery of a record whose destination asked for a wait (sqs-redelivery.ts).
  expect(find('sqs:ChangeMessageVisibility').join()).toContain('EventsQueue');
});

test('the delivery functions outlast the longest attempt deadline, and the wake-up queue hides a message six times as long', () => {
  // deliveries.timeoutSeconds is at most 120 (shared/config/schema.ts): an attempt cut off by the
  // function's timeout records no outcome and would be made again without its count rising.
  const timeoutOf = (fn: string) => resources[logicalId(fn)]!.Properties.Timeout as number;
  for (const fn of ['webhook-delivery', 'webhook-delivery-wake-up']) expect(timeoutOf(fn)).toBeGreaterThanOrEqual(120 + 20);
  expect(resources.DeliveryQueue!.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeoutOf('webhook-delivery-wake-up'));
});

test('the cloud-findings adapter counts the attempts Lambda makes: 1 + maximumRetryAttempts (its last one is kept as a dead letter)', () => {
  // providers/aws/eventbridge.ts gives each record receiveCount / maxReceives from this constant:
  // fewer attempts configured and the last would go to the on-failure queue, more and an event
  // would be kept as a dead letter while Lambda still had a retry to make.
  const configs = ofType('AWS::Lambda::EventInvokeConfig').filter(([, r]) => JSON.stringify(r.Properties).includes(logicalId('cloud-findings')));
  expect(configs).toHaveLength(1);
  expect(1 + (configs[0]![1].Properties.MaximumRetryAttempts as number)).toBe(EVENTBRIDGE_MAX_ATTEMPTS);
  const yml = readFileSync(join(ROOT, 'serverless.yml'), 'utf8');
  const block = yml.split('\n  cloudFindings:\n')[1]?.split(/\n {2}\S/)[0] ?? '';
  expect(Number(/maximumRetryAttempts: (\d+)/.exec(block)?.[1])).toBe(EVENTBRIDGE_MAX_ATTEMPTS - 1);
});

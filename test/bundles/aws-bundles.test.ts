import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { build } from 'esbuild';
import { contractConfig, GITHUB_SECRET } from '../contract/webhook-script';
import { createQueue, fauxqsClient, receiveAll, toSqsEvent } from '../emulators/sqs';
import { fixtureBytes, fixtureJson } from '../fixtures';
import { githubHeaders } from '../support/sign';

/**
 * The shipped AWS artifacts, end to end: the two Lambda bundles built the way `npm run build`
 * builds them (config compiled in, AWS SDK external), each run in its own Node process with the
 * environment serverless.yml gives it, against the real SQS protocol server (fauxqs).
 */
const ROOT = join(__dirname, '..', '..');
const OUT = join(ROOT, 'dist', `.test-${process.pid}`);

async function bundle(fn: string): Promise<string> {
  const outfile = join(OUT, fn, 'index.js');
  await build({
    entryPoints: [join(ROOT, 'providers/aws/functions', `${fn}.ts`)], outfile, bundle: true, platform: 'node', target: 'node20',
    format: 'cjs', minify: true, external: ['@aws-sdk/*'], define: { __SECORCH_CONFIG__: JSON.stringify(contractConfig) }, logLevel: 'error',
  });
  return outfile;
}

function invoke(file: string, event: unknown, env: Record<string, string>): { result: Record<string, unknown>; logs: string } {
  const r = spawnSync(process.execPath, [join(__dirname, 'run-handler.cjs'), file], { input: JSON.stringify(event), encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
  const [logs, result] = r.stdout.split('@@RESULT@@');
  if (r.status !== 0 || result === undefined) throw new Error(`handler failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return { result: JSON.parse(result), logs: logs ?? '' };
}

afterAll(() => rmSync(OUT, { recursive: true, force: true }));

test('the AWS bundles: API Gateway event -> webhook-ingress -> SQS (fauxqs) -> event-router -> file', async () => {
  const sqs = fauxqsClient();
  const queue = await createQueue(sqs, `bundle-events-${process.pid}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'aws-bundle-'));
  const env = {
    AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_SQS: process.env.SECORCH_TEST_SQS_ENDPOINT!, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    SECORCH_EVENTS_QUEUE_URL: queue.url, SECORCH_DATA_DIR: dataDir,
  };
  const [ingress, router] = await Promise.all([bundle('webhook-ingress'), bundle('event-router')]);

  const body = fixtureBytes('events/github-code_scanning_alert-created.payload.json');
  const event = structuredClone(fixtureJson<APIGatewayProxyEvent>('events/aws-apigw-rest-v1-proxy.json'));
  Object.assign(event, {
    httpMethod: 'POST', path: '/webhooks/github', multiValueHeaders: {}, queryStringParameters: null, multiValueQueryStringParameters: null,
    headers: { ...githubHeaders(GITHUB_SECRET, body, 'code_scanning_alert', 'bundle-1'), Host: 'api.example.com' },
    body: body.toString('base64'), isBase64Encoded: true,
  });
  const { result, logs } = invoke(ingress, event, env);
  expect(result.statusCode === 202 ? 202 : logs).toBe(202);
  const { id } = JSON.parse(result.body as string) as { id: string };
  expect(logs).toContain('"msg":"webhook accepted"');
  expect(logs).not.toContain(GITHUB_SECRET);

  const messages = await receiveAll(sqs, queue.url, 1);
  expect(messages).toHaveLength(1);
  const routed = invoke(router, toSqsEvent(messages, queue.arn), env);
  expect(routed.result).toEqual({ batchItemFailures: [] });
  const line = JSON.parse(readFileSync(join(dataDir, 'events.jsonl'), 'utf8').trim());
  expect(line).toMatchObject({ id, type: 'secorch.finding.created', origin: 'webhook:github' });
  expect(line.data.finding_info.uid).toBe('github:Codertocat/Hello-World:code_scanning_alert:10');
}, 60000);

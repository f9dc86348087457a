import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { contractConfig, GITHUB_SECRET } from '../contract/webhook-script';
import { createQueue, fauxqsClient, receiveAll, toSqsEvent } from '../emulators/sqs';
import { fixtureBytes, fixtureJson } from '../fixtures';
import { githubHeaders } from '../support/sign';

/**
 * The shipped AWS artifacts, end to end: the two Lambda bundles built by `npm run build`'s own
 * buildFunction (esbuild.config.mjs) with the contract configuration compiled in, in the layout
 * it ships (index.js, and undici-parts.js beside it for the first outbound request), each run in
 * its own Node process with the environment serverless.yml gives it, against the real SQS
 * protocol server (fauxqs).
 */
const ROOT = join(__dirname, '..', '..');
// Under the checkout, as dist/ is: the bundles find the AWS SDK (external) in its node_modules.
const OUT = join(ROOT, 'dist', `.test-${process.pid}`);
const FUNCTIONS = ['webhook-ingress', 'event-router'] as const;
/**
 * The name undici's base error class gives itself (undici/lib/core/errors.js), which every part
 * the outbound clients use loads: in undici-parts.js, and in a bundle only if undici is in it.
 */
const hasUndici = (file: string) => readFileSync(file, 'utf8').includes('UndiciError');

/** buildFunction runs through tsx in a process of its own (build-function.mjs says why); returns the bundle's path. */
async function bundle(fn: string): Promise<string> {
  const args = ['--import', 'tsx', join(__dirname, 'build-function.mjs'), 'aws', fn, OUT, JSON.stringify(contractConfig)];
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  return (JSON.parse(stdout) as { file: string }).file;
}

function invoke(file: string, event: unknown, env: Record<string, string>): { result: Record<string, unknown>; logs: string } {
  const r = spawnSync(process.execPath, [join(__dirname, 'run-handler.cjs'), file], { input: JSON.stringify(event), encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
  const [logs, result] = r.stdout.split('@@RESULT@@');
  if (r.status !== 0 || result === undefined) throw new Error(`handler failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return { result: JSON.parse(result), logs: logs ?? '' };
}

const env = (more: Record<string, string> = {}) => ({
  AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test',
  AWS_ENDPOINT_URL_SQS: process.env.SECORCH_TEST_SQS_ENDPOINT!, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...more,
});

let built: Record<(typeof FUNCTIONS)[number], string>;
beforeAll(async () => {
  const [ingress, router] = await Promise.all(FUNCTIONS.map(bundle));
  built = { 'webhook-ingress': ingress!, 'event-router': router! };
}, 60000);
afterAll(() => rmSync(OUT, { recursive: true, force: true }));

test('the AWS bundles: API Gateway event -> webhook-ingress -> SQS (fauxqs) -> event-router -> file', async () => {
  const sqs = fauxqsClient();
  const queue = await createQueue(sqs, `bundle-events-${process.pid}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'aws-bundle-'));
  const vars = env({ SECORCH_EVENTS_QUEUE_URL: queue.url, SECORCH_DATA_DIR: dataDir });

  const body = fixtureBytes('events/github-code_scanning_alert-created.payload.json');
  const event = structuredClone(fixtureJson<APIGatewayProxyEvent>('events/aws-apigw-rest-v1-proxy.json'));
  Object.assign(event, {
    httpMethod: 'POST', path: '/webhooks/github', multiValueHeaders: {}, queryStringParameters: null, multiValueQueryStringParameters: null,
    headers: { ...githubHeaders(GITHUB_SECRET, body, 'code_scanning_alert', 'bundle-1'), Host: 'api.example.com' },
    body: body.toString('base64'), isBase64Encoded: true,
  });
  const { result, logs } = invoke(built['webhook-ingress'], event, vars);
  expect(result.statusCode === 202 ? 202 : logs).toBe(202);
  const { id } = JSON.parse(result.body as string) as { id: string };
  expect(logs).toContain('"msg":"webhook accepted"');
  expect(logs).not.toContain(GITHUB_SECRET);

  const messages = await receiveAll(sqs, queue.url, 1);
  expect(messages).toHaveLength(1);
  const routed = invoke(built['event-router'], toSqsEvent(messages, queue.arn), vars);
  expect(routed.result).toEqual({ batchItemFailures: [] });
  const line = JSON.parse(readFileSync(join(dataDir, 'events.jsonl'), 'utf8').trim());
  expect(line).toMatchObject({ id, type: 'secorch.finding.created', origin: 'webhook:github' });
  expect(line.data.finding_info.uid).toBe('github:Codertocat/Hello-World:code_scanning_alert:10');
}, 60000);

/**
 * In a fresh Node process: requires the bundle as Lambda's runtime does, then lists what that
 * loaded, then requires `specifier` the way the bundle itself will on its first outbound request
 * (relative to index.js) and reports where it came from and what it exports.
 */
const PROBE = `
  const Module = require('node:module');
  const [file, specifier] = process.argv.slice(1);
  require(file);
  const loaded = Object.keys(require.cache);
  const requireFromBundle = Module.createRequire(file);
  const parts = requireFromBundle(specifier);
  const exports = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, typeof v]));
  process.stdout.write(JSON.stringify({ loaded, resolved: requireFromBundle.resolve(specifier), exports }));
`;

describe.each(FUNCTIONS)('the shipped layout of %s: undici kept out of index.js', (fn) => {
  test('undici-parts.js is beside index.js and holds undici; index.js does not', () => {
    const file = built[fn];
    const parts = join(dirname(file), 'undici-parts.js');
    expect(file).toBe(join(OUT, 'aws', fn, 'index.js'));
    expect(existsSync(parts)).toBe(true);
    // Both sides: the marker is one the parts file has, so its absence from index.js means something.
    expect(hasUndici(parts)).toBe(true);
    expect(hasUndici(file)).toBe(false);
  });

  test('requiring index.js loads no undici; the file it names for the first outbound request loads from beside it', () => {
    const file = built[fn];
    // The bundle's references to the parts file (egress-agent.ts and delivery-client.ts require it lazily).
    const specifiers = [...new Set([...readFileSync(file, 'utf8').matchAll(/require\("([^"]*undici[^"]*)"\)/g)].map((m) => m[1]!))];
    expect(specifiers).toEqual(['./undici-parts.js']);

    const r = spawnSync(process.execPath, ['-e', PROBE, file, specifiers[0]!], { cwd: tmpdir(), encoding: 'utf8', env: { PATH: process.env.PATH, ...env() } });
    expect(r.status === 0 ? 0 : r.stderr).toBe(0);
    const probe = JSON.parse(r.stdout) as { loaded: string[]; resolved: string; exports: Record<string, string> };
    expect(probe.loaded).toContain(file);
    expect(probe.loaded.filter((k) => /undici/.test(k))).toEqual([]);
    expect(probe.resolved).toBe(join(dirname(file), 'undici-parts.js'));
    expect(probe.exports).toMatchObject({ Agent: 'function', buildConnector: 'function', request: 'function' });
  });
});

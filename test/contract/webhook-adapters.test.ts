import { HttpRequest, InvocationContext } from '@azure/functions';
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { httpRoutes } from '../../functions/routes';
import { webhookIngress } from '../../functions/webhook-ingress/handler';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { httpRouter } from '../../shared/http/router';
import type { Deps } from '../../shared/ports';
import { awsHttp } from '../../providers/aws/http';
import { azureHttp } from '../../providers/azure/http';
import { gcpHttp } from '../../providers/gcp/http';
import { testDeps } from '../deps';
import { fixtureJson } from '../fixtures';
import { type Answer, contractConfig, contractSteps, type Outcome, runScript, type Step } from './webhook-script';

const START = Date.parse('2026-03-01T12:00:00Z');
const ENV = { SECORCH_DATA_DIR: '/tmp/secorch-contract' };

/** A fresh deployment: deps with a memory bus, and a reader of what was published since last asked. */
function deployment() {
  const { deps, bus } = testDeps(contractConfig, ENV, START);
  let seen = 0;
  const published = async (): Promise<CloudEvent[]> => {
    const fresh = bus.events.slice(seen);
    seen = bus.events.length;
    return fresh;
  };
  return { deps, published };
}

async function run(send: (s: Step, getDeps: () => Promise<Deps>) => Promise<Answer>): Promise<Outcome[]> {
  const { deps, published } = deployment();
  return runScript(contractSteps(START), (s) => send(s, async () => deps), published);
}

const header = (h: Record<string, string | undefined> | undefined, name: string) =>
  Object.entries(h ?? {}).find(([k]) => k.toLowerCase() === name)?.[1] ?? null;

const transports: Record<string, (s: Step, getDeps: () => Promise<Deps>) => Promise<Answer>> = {
  'AWS API Gateway REST (payload v1)': async (step, getDeps) => {
    const event = structuredClone(fixtureJson<APIGatewayProxyEvent>('events/aws-apigw-rest-v1-proxy.json'));
    Object.assign(event, {
      httpMethod: 'POST', path: step.path, resource: '/webhooks/{source}', pathParameters: { source: step.path.split('/')[2] },
      queryStringParameters: null, multiValueQueryStringParameters: null,
      headers: { ...step.headers, Host: 'api.example.com' }, multiValueHeaders: {},
      body: step.body.toString('base64'), isBase64Encoded: true, // binaryMediaTypes: */*
    });
    const res = (await awsHttp(webhookIngress, getDeps)(event)) as { statusCode: number; headers?: Record<string, string>; body: string; isBase64Encoded?: boolean };
    return { status: res.statusCode, contentType: header(res.headers, 'content-type'), body: Buffer.from(res.body, res.isBase64Encoded ? 'base64' : 'utf8') };
  },
  'AWS API Gateway HTTP API (payload v2)': async (step, getDeps) => {
    const event = structuredClone(fixtureJson<APIGatewayProxyEventV2>('events/aws-apigw-http-v2.json'));
    const lower = Object.fromEntries(Object.entries(step.headers).map(([k, v]) => [k.toLowerCase(), v]));
    Object.assign(event, {
      rawPath: step.path, rawQueryString: '', routeKey: 'POST /webhooks/{source}', headers: { ...lower, host: 'api.example.com' },
      body: step.body.toString('base64'), isBase64Encoded: true, cookies: undefined,
    });
    event.requestContext.http.method = 'POST';
    event.requestContext.http.path = step.path;
    event.requestContext.stage = '$default';
    const res = (await awsHttp(webhookIngress, getDeps)(event)) as { statusCode: number; headers?: Record<string, string>; body: string; isBase64Encoded?: boolean };
    return { status: res.statusCode, contentType: header(res.headers, 'content-type'), body: Buffer.from(res.body, res.isBase64Encoded ? 'base64' : 'utf8') };
  },
  'Azure Functions v4 (HttpRequest, InvocationContext)': async (step, getDeps) => {
    const req = new HttpRequest({ method: 'POST', url: `https://secorch.azurewebsites.net${step.path}`, headers: step.headers, body: { bytes: step.body } });
    const res = await azureHttp(webhookIngress, getDeps)(req, new InvocationContext({ functionName: 'webhookIngress' }));
    const headers = Object.fromEntries(new Headers(res.headers as HeadersInit).entries());
    return { status: res.status ?? 200, contentType: headers['content-type'] ?? null, body: Buffer.from(res.body as Uint8Array) };
  },
};

let gcpDeps: () => Promise<Deps>;
let gcpBase: Promise<string> | undefined;
let gcpServer: Server | undefined;
functions.http('contractApi', gcpHttp(httpRouter(httpRoutes), () => gcpDeps()));
/** The framework's own server on a loopback port, reached with fetch so the bytes go out untouched. */
function gcpUrl(): Promise<string> {
  gcpBase ??= new Promise((resolve) => {
    gcpServer = getTestServer('contractApi');
    gcpServer.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(gcpServer!.address() as AddressInfo).port}`));
  });
  return gcpBase;
}
afterAll(() => new Promise<void>((r) => (gcpServer ? gcpServer.close(() => r()) : r())));
transports['Google Cloud Functions (functions-framework test server)'] = async (step, getDeps) => {
  gcpDeps = getDeps;
  const res = await fetch(`${await gcpUrl()}${step.path}`, { method: 'POST', headers: step.headers, body: step.body as BodyInit });
  return { status: res.status, contentType: res.headers.get('content-type')?.split(';')[0] ?? null, body: Buffer.from(await res.arrayBuffer()) };
};

describe('webhook contract: the same answers and events on every cloud', () => {
  let reference: Outcome[];
  beforeAll(async () => {
    reference = await run(async (step, getDeps) => {
      const res = await webhookIngress(new Request(`https://api.example.com${step.path}`, { method: 'POST', headers: step.headers, body: step.body as BodyInit }), await getDeps());
      return { status: res.status, contentType: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
    });
  });

  test('the reference run (portable handler called directly) covers every answer the contract names', () => {
    expect(reference.map((o) => [o.step, o.status])).toEqual([
      ['code scanning alert created', 202], ['the same delivery again', 200], ['one byte changed', 401], ['no signature', 401],
      ['unknown source', 404], ['body over the source limit', 413], ['malformed JSON, signed', 400],
      ['ping (no mapper knows it)', 202], ['dependabot alert created', 202], ['secret scanning alert reopened', 202],
      ['standard webhooks', 202], ['standard webhooks, 10 minutes old', 401],
      ['non-UTF-8 bytes as application/octet-stream (verified, then 415)', 415],
    ]);
    // Every rejection is audited with its reason; accepted deliveries and replays are not.
    expect(reference.map((o) => o.audits)).toEqual([
      [], [], ['signature_invalid'], ['signature_missing'], ['unknown_source'], ['payload_too_large'], ['malformed_body'],
      [], [], [], [], ['timestamp_too_old'], ['unsupported_media_type'],
    ]);
    expect(reference.flatMap((o) => o.events.map((e) => e.type))).toEqual([
      'secorch.finding.created', 'secorch.webhook.received', 'secorch.finding.created', 'secorch.finding.updated', 'secorch.webhook.received',
    ]);
  });

  for (const [name, send] of Object.entries(transports)) {
    test(`${name} answers exactly like the portable handler`, async () => {
      const outcomes = await run(send);
      for (const [i, outcome] of outcomes.entries()) {
        const expected = reference[i]!;
        if (name.startsWith('Google') && expected.step === 'malformed JSON, signed') {
          // The functions framework parses JSON bodies itself and answers malformed ones with its
          // own 400 before our function runs (README, "Google Cloud Functions"): same status only.
          expect(outcome.status).toBe(400);
          expect(outcome.events).toEqual([]);
          continue;
        }
        expect(outcome).toEqual(expected);
      }
    });
  }
});

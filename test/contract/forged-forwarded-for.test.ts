import { HttpRequest, InvocationContext } from '@azure/functions';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { webhookIngress } from '../../functions/webhook-ingress/handler';
import { awsHttp } from '../../providers/aws/http';
import { azureHttp } from '../../providers/azure/http';
import { testDeps } from '../deps';
import { fixtureBytes, fixtureJson } from '../fixtures';
import { githubHeaders } from '../support/sign';

/**
 * The address allowlist through the platform adapters: the client address comes from the
 * platform (API Gateway sourceIp, the front end's X-Forwarded-For entry), so a client that
 * forges X-Forwarded-For gets nowhere.
 */
const SECRET = 'guard-secret';
const config = { sources: { locked: { verify: { scheme: 'github', secret: SECRET }, allow: ['203.0.113.0/24', '2001:db8::/32'] } } };
const body = fixtureBytes('events/github-ping.payload.json');

describe('address allowlist on the platforms', () => {
  test('a forged X-Forwarded-For does not pass on AWS: API Gateway sourceIp decides', async () => {
    const { deps } = testDeps(config);
    const event = structuredClone(fixtureJson<APIGatewayProxyEvent>('events/aws-apigw-rest-v1-proxy.json'));
    const headers = { ...githubHeaders(SECRET, body, 'ping', 'aws-1'), 'X-Forwarded-For': '203.0.113.7', Host: 'h.example' };
    Object.assign(event, { httpMethod: 'POST', path: '/webhooks/locked', headers, multiValueHeaders: {}, body: body.toString('base64'), isBase64Encoded: true });
    event.requestContext.identity.sourceIp = '198.51.100.23';
    const res = (await awsHttp(webhookIngress, async () => deps)(event)) as { statusCode: number; body: string };
    expect(res.statusCode).toBe(403);
    event.requestContext.identity.sourceIp = '203.0.113.50';
    expect(((await awsHttp(webhookIngress, async () => deps)(event)) as { statusCode: number }).statusCode).toBe(202);
  });

  test('a forged X-Forwarded-For does not pass on Azure: only the entry the front end appended counts', async () => {
    const { deps } = testDeps(config);
    const send = (xff: string, id: string) =>
      azureHttp(webhookIngress, async () => deps)(
        new HttpRequest({ method: 'POST', url: 'https://f.azurewebsites.net/webhooks/locked', headers: { ...githubHeaders(SECRET, body, 'ping', id), 'x-forwarded-for': xff }, body: { bytes: body } }),
        new InvocationContext({ functionName: 'webhookIngress' }),
      );
    expect((await send('203.0.113.7, 198.51.100.23:50123', 'az-1')).status).toBe(403);
    expect((await send('198.51.100.23, 203.0.113.7:50123', 'az-2')).status).toBe(202);
  });
});

describe('address allowlist on Google Cloud', () => {
  test('a forged X-Forwarded-For does not pass: only the entry Google\'s front end appended counts', async () => {
    const functions = await import('@google-cloud/functions-framework');
    const { getTestServer } = await import('@google-cloud/functions-framework/testing');
    const { gcpHttp } = await import('../../providers/gcp/http');
    const { deps } = testDeps(config);
    functions.http('forgedXff', gcpHttp(webhookIngress, async () => deps));
    const server = getTestServer('forgedXff');
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as { port: number };
    try {
      const send = (xff: string, id: string) =>
        fetch(`http://127.0.0.1:${port}/webhooks/locked`, { method: 'POST', body: body as BodyInit, headers: { ...githubHeaders(SECRET, body, 'ping', id), 'x-forwarded-for': xff } });
      expect((await send('203.0.113.7, 198.51.100.23', 'gcp-1')).status).toBe(403);
      expect((await send('198.51.100.23, 203.0.113.7', 'gcp-2')).status).toBe(202);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

import { HttpRequest, InvocationContext } from '@azure/functions';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { webhookIngress } from '../../functions/webhook-ingress/handler';
import { awsHttp } from '../../providers/aws/http';
import { azureHttp } from '../../providers/azure/http';
import { testDeps } from '../deps';
import { fixtureJson } from '../fixtures';

/**
 * The mtls scheme through the platform adapters: certificate facts come from the platform (API
 * Gateway's event; Azure's X-ARR-ClientCert only where the app enables client certificates and
 * the config trusts it), never from a header a client can add on its own.
 */
const PEM = readFileSync(join(__dirname, '../fixtures-local/client.pem'), 'utf8');
const DER_B64 = PEM.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
// From `openssl x509 -in client.pem -noout -fingerprint -sha256` (test/fixtures-local/README.md).
const FINGERPRINT = '36:6D:44:95:CF:84:40:DD:91:3E:BE:FE:F9:67:B6:3B:7C:F3:A3:28:16:49:80:3B:72:ED:12:3A:57:2A:D7:09';
const source = { verify: { scheme: 'mtls', fingerprints: [FINGERPRINT], idHeader: 'X-Delivery-Id' } };

function apiGateway(clientCertPem?: string): APIGatewayProxyEvent {
  const event = structuredClone(fixtureJson<APIGatewayProxyEvent>('events/aws-apigw-rest-v1-proxy.json'));
  Object.assign(event, { httpMethod: 'POST', path: '/webhooks/scanner', headers: { 'content-type': 'application/json', 'x-delivery-id': 'd-1', Host: 'h.example' }, multiValueHeaders: {}, body: Buffer.from('{"ok":true}').toString('base64'), isBase64Encoded: true });
  (event.requestContext.identity as unknown as Record<string, unknown>).clientCert = clientCertPem ? { clientCertPem, subjectDN: 'CN=scanner.example.com', issuerDN: 'CN=Example Webhook CA' } : null;
  return event;
}

test('AWS: the certificate API Gateway validated is accepted; none is credential_missing', async () => {
  const { deps } = testDeps({ sources: { scanner: source } });
  const ok = (await awsHttp(webhookIngress, async () => deps)(apiGateway(PEM))) as { statusCode: number };
  expect(ok.statusCode).toBe(202);
  const none = (await awsHttp(webhookIngress, async () => deps)(apiGateway())) as { statusCode: number; body: string };
  expect(none.statusCode).toBe(401);
  expect(JSON.parse(none.body).code).toBe('credential_missing');
});

test('Azure: X-ARR-ClientCert counts only when the configuration trusts the front end to set it', async () => {
  const send = async (trust: boolean) => {
    const { deps } = testDeps({ sources: { scanner: source }, ingress: { trustClientCertHeaders: trust } });
    const req = new HttpRequest({ method: 'POST', url: 'https://f.azurewebsites.net/webhooks/scanner', headers: { 'content-type': 'application/json', 'x-arr-clientcert': DER_B64, 'x-delivery-id': 'd-2' }, body: { string: '{"ok":true}' } });
    return (await azureHttp(webhookIngress, async () => deps)(req, new InvocationContext({ functionName: 'webhookIngress' }))).status;
  };
  expect(await send(true)).toBe(202);
  expect(await send(false)).toBe(401);
});

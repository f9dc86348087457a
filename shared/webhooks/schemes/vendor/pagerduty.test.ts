import { createHmac } from 'node:crypto';
import { pagerdutyVerifier } from './pagerduty';
import { codeOf, errorText, flipByte, flipChar, input } from './test-kit';

// PagerDuty's own vector: the test of its Go client's verifier (webhookv3/webhookv3_test.go in
// github.com/PagerDuty/go-pagerduty, linked from PagerDuty's "Verifying Signatures" doc).
const PD_SECRET = 'lDQHScfUeXUKaQRNF+8XIiDKZ7XX3itBAYzwU0TARw8lJqRnkKl2iB1anSb0Z+IK';
const PD_BODY = '{"event":{"id":"01BWDWL3NYY7LUFPZCC28QUCMK","event_type":"incident.priority_updated","resource_type":"incident","occurred_at":"2021-04-26T17:36:27.458Z","agent":{"html_url":"https://acme.pagerduty.com/users/PLH1HKV","id":"PLH1HKV","self":"https://api.pagerduty.com/users/PLH1HKV","summary":"Tenex Engineer","type":"user_reference"},"client":null,"data":{"id":"PGR0VU2","type":"incident","self":"https://api.pagerduty.com/incidents/PGR0VU2","html_url":"https://acme.pagerduty.com/incidents/PGR0VU2","number":2,"status":"triggered","title":"A little bump in the road","service":{"html_url":"https://acme.pagerduty.com/services/PF9KMXH","id":"PF9KMXH","self":"https://api.pagerduty.com/services/PF9KMXH","summary":"API Service","type":"service_reference"},"assignees":[{"html_url":"https://acme.pagerduty.com/users/PTUXL6G","id":"PTUXL6G","self":"https://api.pagerduty.com/users/PTUXL6G","summary":"User 123","type":"user_reference"}],"escalation_policy":{"html_url":"https://acme.pagerduty.com/escalation_policies/PUS0KTE","id":"PUS0KTE","self":"https://api.pagerduty.com/escalation_policies/PUS0KTE","summary":"Default","type":"escalation_policy_reference"},"teams":[{"html_url":"https://acme.pagerduty.com/teams/PFCVPS0","id":"PFCVPS0","self":"https://api.pagerduty.com/teams/PFCVPS0","summary":"Engineering","type":"team_reference"}],"priority":{"html_url":"https://acme.pagerduty.com/account/incident_priorities","id":"PSO75BM","self":"https://api.pagerduty.com/priorities/PSO75BM","summary":"P1","type":"priority_reference"},"urgency":"high","conference_bridge":{"conference_number":1000,"conference_url":"https://example.com"},"resolve_reason":null}}}';
const PD_VALID = 'v1=0c0b9495b893a39e70d1fea2fe11fbe0a825f88b9f67846f6cc07dd2bc5476cd';
const PD_MISMATCH = 'v1=7020c8a7ec668a9b7012bc3dd82e483394b038f4230acc6785efbf2a7d8bcaf5';

// Other signatures are made as the doc's JavaScript sample computes them ("v1=" + hex HMAC-SHA256
// of the payload): https://developer.pagerduty.com/docs/ZG9jOjExMDI5NTkz-verifying-signatures
const docSign = (payload: string | Buffer, key: string) => `v1=${createHmac('sha256', key).update(payload).digest('hex')}`;
const ID = '5ac64822-4adc-4fda-ade0-410becf0de4f';
const headers = (sig?: string): Record<string, string> => ({ 'X-Webhook-Id': ID, ...(sig === undefined ? {} : { 'X-PagerDuty-Signature': sig }) });
const ours = pagerdutyVerifier({ scheme: 'pagerduty', secret: PD_SECRET });
const run = (h: Record<string, string>, bytes: string | Buffer = PD_BODY, verify = ours) => codeOf(() => verify(input(h, bytes)));

describe('pagerduty verifier', () => {
  it("accepts go-pagerduty's valid vector and returns X-Webhook-Id as the delivery id", () => {
    expect(docSign(PD_BODY, PD_SECRET)).toBe(PD_VALID);
    expect(ours(input(headers(PD_VALID), PD_BODY))).toEqual({ deliveryId: ID, signature: expect.stringMatching(/^[0-9a-f]{64}$/), signatures: [expect.stringMatching(/^[0-9a-f]{64}$/)] });
  });

  it.each<[string, string, (string | Buffer)?]>([
    ["go-pagerduty's mismatch vector", PD_MISMATCH],
    ['a body with one byte changed', PD_VALID, flipByte(PD_BODY, 50)],
    ['a signature with one hex digit changed', flipChar(PD_VALID, 30)],
    ['the wrong secret', docSign(PD_BODY, 'other')],
    ['only another version', `v2=${PD_VALID.slice(3)}`],
    ['no version tag', PD_VALID.slice(3)],
    ['trailing junk', `${PD_VALID}ab`],
  ])('rejects %s', (_, sig, bytes = PD_BODY) => {
    expect(run(headers(sig), bytes)).toBe('signature_invalid');
  });

  it('needs the header', () => {
    expect(run(headers())).toBe('signature_missing');
  });

  it('accepts a list when any v1 matches, as the doc example with two signatures', () => {
    expect(run(headers(`${PD_MISMATCH},${PD_VALID}`))).toBe('accepted');
    expect(run(headers(`${PD_VALID},${PD_MISMATCH}`))).toBe('accepted');
    expect(run(headers(`${PD_MISMATCH},v2=${PD_VALID.slice(3)}`))).toBe('signature_invalid');
  });

  it('accepts every configured secret of a rotation and nothing else', () => {
    const rotating = pagerdutyVerifier({ scheme: 'pagerduty', secrets: ['old-secret', PD_SECRET] });
    expect(run(headers(docSign(PD_BODY, 'old-secret')), PD_BODY, rotating)).toBe('accepted');
    expect(run(headers(PD_VALID), PD_BODY, rotating)).toBe('accepted');
    expect(run(headers(docSign(PD_BODY, 'third')), PD_BODY, rotating)).toBe('signature_invalid');
  });

  it('never puts the secret or the expected signature in the error', () => {
    const text = errorText(() => ours(input(headers(PD_MISMATCH), PD_BODY)));
    expect(text).not.toContain(PD_SECRET);
    expect(text).not.toContain(PD_VALID.slice(3));
  });
});

import { vendorMessage } from './vendor-messages';

describe('vendorMessage', () => {
  test('Jira: errorMessages and field errors', () => {
    expect(vendorMessage({ errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} }))
      .toBe('Issue does not exist or you do not have permission to see it.');
    expect(vendorMessage({ errorMessages: [], errors: { project: 'valid project is required', issuetype: 'valid issue type is required' } }))
      .toBe('project: valid project is required; issuetype: valid issue type is required');
  });

  test('Okta: errorCode, errorSummary and causes', () => {
    expect(vendorMessage({
      errorCode: 'E0000001', errorSummary: 'Api validation failed: login', errorLink: 'E0000001', errorId: 'oae1',
      errorCauses: [{ errorSummary: 'login: An object with this field already exists in the current organization' }],
    })).toBe('E0000001: Api validation failed: login; login: An object with this field already exists in the current organization');
  });

  test('Microsoft Graph: error.code and error.message', () => {
    expect(vendorMessage({ error: { code: 'Request_ResourceNotFound', message: "Resource 'x' does not exist.", innerError: { 'request-id': 'r' } } }))
      .toBe("Request_ResourceNotFound: Resource 'x' does not exist.");
  });

  test('ServiceNow: error.message and error.detail', () => {
    expect(vendorMessage({ error: { message: 'Invalid table incidentx', detail: null }, status: 'failure' })).toBe('Invalid table incidentx');
    expect(vendorMessage({ error: { message: 'No Record found', detail: 'Record doesn\'t exist or ACL restricts the record retrieval' }, status: 'failure' }))
      .toBe("No Record found; Record doesn't exist or ACL restricts the record retrieval");
  });

  test('Slack: ok false with error and metadata messages', () => {
    expect(vendorMessage({ ok: false, error: 'invalid_blocks', response_metadata: { messages: ['[ERROR] missing required field: text'] } }))
      .toBe('invalid_blocks; [ERROR] missing required field: text');
    expect(vendorMessage({ ok: true, channel: 'C1' })).toBeUndefined();
  });

  test('OAuth token endpoint, RFC 9457 problem and plain message', () => {
    expect(vendorMessage({ error: 'invalid_client', error_description: 'Client authentication failed' })).toBe('invalid_client; Client authentication failed');
    expect(vendorMessage({ type: 'about:blank', title: 'Bad Request', detail: 'name is required' })).toBe('Bad Request; name is required');
    expect(vendorMessage({ message: 'Validation failed' })).toBe('Validation failed');
  });

  test('nothing for bodies of no known shape', () => {
    for (const body of [undefined, 'text', [], { foo: 1 }, { errorMessages: [] }]) expect(vendorMessage(body)).toBeUndefined();
  });
});

test('Auth0 Management API errors give their message, not the HTTP reason phrase', () => {
  expect(vendorMessage({ statusCode: 404, error: 'Not Found', message: 'The user does not exist.', errorCode: 'inexistent_user' })).toBe('inexistent_user: The user does not exist.');
  expect(vendorMessage({ statusCode: 400, error: 'Bad Request', message: 'Payload validation error' })).toBe('Payload validation error');
  expect(vendorMessage({ error: 'invalid_client', error_description: 'bad secret' })).toBe('invalid_client; bad secret');
});

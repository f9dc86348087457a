/**
 * The vendor's own explanation of a refused request, one small extractor per known error shape.
 * The first extractor that recognises the body wins; none recognising it leaves the message out
 * (the truncated body still goes into the error).
 */
type Json = Record<string, unknown>;
type Extractor = (body: Json) => string | undefined;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const join = (parts: (string | undefined)[]) => {
  const kept = parts.filter((p): p is string => p !== undefined);
  return kept.length ? kept.join('; ') : undefined;
};

/** Jira: `{"errorMessages": [...], "errors": {"field": "message"}}` (https://developer.atlassian.com/cloud/jira/platform/rest/v3/intro/#status-codes). */
const jira: Extractor = (b) => {
  if (!Array.isArray(b.errorMessages) && !isObject(b.errors)) return undefined;
  const messages = Array.isArray(b.errorMessages) ? b.errorMessages.map(text) : [];
  const fields = isObject(b.errors) ? Object.entries(b.errors).map(([k, v]) => (text(v) ? `${k}: ${text(v)}` : undefined)) : [];
  return join([...messages, ...fields]);
};

/** Okta: `{"errorCode", "errorSummary", "errorCauses": [{"errorSummary"}]}` (https://developer.okta.com/docs/reference/error-codes/). */
const okta: Extractor = (b) => {
  if (text(b.errorSummary) === undefined) return undefined;
  const causes = Array.isArray(b.errorCauses) ? b.errorCauses.map((c) => (isObject(c) ? text(c.errorSummary) : undefined)) : [];
  return join([text(b.errorCode) ? `${text(b.errorCode)}: ${text(b.errorSummary)}` : text(b.errorSummary), ...causes]);
};

/** Microsoft Graph: `{"error": {"code", "message"}}` (https://learn.microsoft.com/graph/errors). */
const graph: Extractor = (b) => {
  if (!isObject(b.error) || text(b.error.code) === undefined) return undefined;
  return join([`${text(b.error.code)}: ${text(b.error.message) ?? ''}`.replace(/: $/, '')]);
};

/** ServiceNow: `{"error": {"message", "detail"}, "status": "failure"}` (https://docs.servicenow.com/bundle/latest/page/integrate/inbound-rest/concept/c_RESTAPI.html). */
const servicenow: Extractor = (b) => (isObject(b.error) ? join([text(b.error.message), text(b.error.detail)]) : undefined);

/** Slack: `{"ok": false, "error": "channel_not_found"}`, often with HTTP 200 (https://api.slack.com/web#evaluating_responses). */
const slack: Extractor = (b) => {
  if (b.ok !== false) return undefined;
  const meta = isObject(b.response_metadata) && Array.isArray(b.response_metadata.messages) ? b.response_metadata.messages.map(text) : [];
  return join([text(b.error), ...meta]);
};

/** Auth0 Management API: `{"statusCode", "error", "message", "errorCode"}` (https://auth0.com/docs/api/management/v2#!/Errors); before OAuth's `error`. */
const auth0: Extractor = (b) => (typeof b.statusCode === 'number' && text(b.message) ? join([text(b.errorCode) ? `${text(b.errorCode)}: ${text(b.message)}` : text(b.message)]) : undefined);

/** OAuth 2.0 token endpoint: `{"error", "error_description"}` (RFC 6749 section 5.2). */
const oauth: Extractor = (b) => (text(b.error) ? join([text(b.error), text(b.error_description)]) : undefined);

/** RFC 9457 problem details, and the common `{"message": ...}`. */
const generic: Extractor = (b) => join([text(b.title), text(b.detail)]) ?? text(b.message) ?? text(b.error_message);

const EXTRACTORS: readonly Extractor[] = [jira, okta, graph, servicenow, slack, auth0, oauth, generic];

/** The vendor's message in a parsed JSON body, if any known shape matches. */
export function vendorMessage(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  for (const extract of EXTRACTORS) {
    const found = extract(body);
    if (found !== undefined) return found;
  }
  return undefined;
}

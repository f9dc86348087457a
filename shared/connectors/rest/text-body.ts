import { renderEscaped } from '../template';

/**
 * A text body template (`body: "user={{ data.user.id }}&level={{ data.severity }}"`) rendered for
 * its content type. The literal text is the configuration's; each value is the event's and is
 * escaped for the body's syntax, so a value holding `&role=admin`, `", "admin": true` or
 * `</note><admin/>` stays inside the one field, string or element the template put it in:
 * - application/x-www-form-urlencoded: form-encoded like a URLSearchParams value
 *   (https://url.spec.whatwg.org/#concept-urlencoded-serializer);
 * - application/json and any +json type: escaped as the inside of a JSON string
 *   (RFC 8259 section 7), which the template quotes; outside quotes it cannot form a member;
 * - application/xml, text/xml, any +xml type and text/html: the five predefined entities
 *   (https://www.w3.org/TR/xml/#syntax), safe in text and in quoted attributes.
 * Other types (text/plain, CSV ...) take values as they are. A JSON, form or XML body is better
 * written as an object template, which is rendered to JSON member by member.
 */
const form = (v: string) => new URLSearchParams([['', v]]).toString().slice(1);
const jsonString = (v: string) => JSON.stringify(v).slice(1, -1);
const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const xml = (v: string) => v.replace(/[&<>"']/g, (c) => XML_ENTITIES[c]!);

export function escaperFor(contentType: string | undefined): ((v: string) => string) | undefined {
  const essence = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (essence === 'application/x-www-form-urlencoded') return form;
  if (essence === 'application/json' || essence.endsWith('+json')) return jsonString;
  if (essence === 'application/xml' || essence === 'text/xml' || essence === 'text/html' || essence.endsWith('+xml')) return xml;
  return undefined;
}

export function renderTextBody(t: string, event: unknown, contentType: string | undefined): string {
  return renderEscaped(t, event, escaperFor(contentType) ?? ((v) => v));
}

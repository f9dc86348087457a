import { reply, type VendorServer } from '../../../test/support/vendor-server';
import type { Deps } from '../../ports';
import type { Harness } from '../transport.testkit';
import { restDestinationSchema } from './config';
import { restDestination } from './destination';
import { eachRestTest, userEvent } from './rest.testkit';
import { renderTextBody } from './text-body';

/**
 * A text body is a syntax of the configuration's (a form, a JSON or XML document) with event
 * values spliced in: the values must stay values. Sent to a local server, which parses what
 * arrived the way the receiving API would.
 */
let vendor: VendorServer;
let h: Harness;
let deps: Deps;

eachRestTest((kit) => ({ vendor, h, deps } = kit));

const destination = (body: string, contentType: string) =>
  restDestination('cases', restDestinationSchema.parse({ type: 'rest', baseUrl: `${vendor.url}/api`, path: '/cases', body, contentType }), { sleep: h.sleep, random: () => 0.5 });
const sent = () => vendor.requests[0]!.body;

test('a form body: a value with & and = stays one field', async () => {
  vendor.on('POST /api/cases', reply.json({}));
  await destination('user={{ data.user.id }}&level={{ data.severity }}', 'application/x-www-form-urlencoded')(userEvent({ user: { id: '00u42&role=admin' }, severity: 'Low level' }), deps);
  expect([...new URLSearchParams(sent())]).toEqual([['user', '00u42&role=admin'], ['level', 'Low level']]);
});

test('a JSON body: a value with quotes and backslashes stays one string and adds no member', async () => {
  vendor.on('POST /api/cases', reply.json({}));
  const id = '00u42", "role": "admin", "x": "\\';
  await destination('{"user": "{{ data.user.id }}", "count": {{ data.count }}}', 'application/vnd.api+json; charset=utf-8')(userEvent({ user: { id } }), deps);
  expect(JSON.parse(sent())).toEqual({ user: id, count: 3 });
});

test('an XML body: markup in a value stays text', () => {
  const body = renderTextBody('<case user="{{ data.user.id }}"><note>{{ data.note }}</note></case>', userEvent({ user: { id: '" admin="true' }, note: '</note><role>admin</role><note>' }), 'application/xml');
  expect(body).toBe('<case user="&quot; admin=&quot;true"><note>&lt;/note&gt;&lt;role&gt;admin&lt;/role&gt;&lt;note&gt;</note></case>');
});

test('plain text takes values as they are; a body that is one placeholder is the value itself', () => {
  expect(renderTextBody('note: {{ data.note }}', userEvent({ note: 'a&b "c"' }), 'text/plain')).toBe('note: a&b "c"');
  expect(renderTextBody('{{ data.raw }}', userEvent({ raw: 'a=1&b=2' }), 'application/x-www-form-urlencoded')).toBe('a=1&b=2');
});

import { servicenowDestinationSchema } from './config';

const base = { type: 'servicenow', instanceUrl: 'https://acme.service-now.com', auth: { type: 'basic', username: 'svc', password: 'pw' } };
const issues = (v: unknown) => {
  const r = servicenowDestinationSchema.safeParse(v);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

test('defaults: the incident table, templates, resolve state 6 with a close code and notes', () => {
  const c = servicenowDestinationSchema.parse(base);
  expect(c).toMatchObject({ table: 'incident', resolve: { state: '6', closeCode: 'Solution provided' }, fields: { shortDescription: expect.stringContaining('finding_info.title') } });
  expect(c.reopen).toEqual({ state: '2', workNote: 'Reopened by secorch: finding {{ data.finding_info.uid || subject }} was reported open again.' });
  expect(servicenowDestinationSchema.parse({ ...base, reopen: { state: '1' } }).reopen).toMatchObject({ state: '1', workNote: expect.stringContaining('Reopened') });
});

test.each([
  [{ instanceUrl: 'http://acme.service-now.com' }, 'instanceUrl'],
  [{ instanceUrl: 'https://acme.service-now.com/api/now' }, 'instanceUrl'],
  [{ table: 'incident/../sys_user' }, 'table'],
  [{ fields: { shortDescription: '{{ data..x }}' } }, 'fields.shortDescription'],
  [{ auth: { type: 'basic', username: 'svc' } }, 'auth.password'],
  [{ severity: { high: { urgency: '4', impact: '1' } } }, 'severity.high.urgency'],
  [{ unknownKey: 1 }, ''],
  [{ reopen: { state: '2', note: 'x' } }, 'reopen'],
  [{ reopen: { state: '2 OR 1' } }, 'reopen.state'],
  [{ reopen: { workNote: '{{ data..x }}' } }, 'reopen.workNote'],
  [{ reopen: { state: '6' } }, 'reopen.state'],
  [{ resolve: { state: '2' } }, 'reopen.state'],
])('refused with the path of the bad key: %j', (over, path) => {
  const found = issues({ ...base, ...over });
  expect(found.length).toBeGreaterThan(0);
  expect(found.some((i) => i.startsWith(path))).toBe(true);
});

test('plain http is accepted for a loopback instance only (local tests)', () => {
  expect(issues({ ...base, instanceUrl: 'http://127.0.0.1:8080' })).toEqual([]);
});

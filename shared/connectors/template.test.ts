import { render, renderText, templateProblems } from './template';

const event = {
  id: 'e1', type: 'secorch.finding.created', subject: 'sarif:abc',
  data: { finding_info: { title: 'SQL injection', uid: 'sarif:abc' }, severity: 'High', labels: ['a', 'b'], resources: [{ uid: 'repo/x' }], empty: '' },
};

test('placeholders read dot paths, list indices, and the first present alternative', () => {
  expect(render('[{{ data.severity }}] {{data.finding_info.title}}', event)).toBe('[High] SQL injection');
  expect(render('{{ data.resources.0.uid }}', event)).toBe('repo/x');
  expect(render("{{ data.missing || data.empty || 'n/a' }}", event)).toBe('n/a');
  expect(render('{{ data.missing || subject }}', event)).toBe('sarif:abc');
  expect(render('x{{ data.missing }}y', event)).toBe('xy');
});

test('a whole-string placeholder keeps the type; objects and lists render member by member; absent members are left out', () => {
  expect(render('{{ data.labels }}', event)).toEqual(['a', 'b']);
  expect(render({ fields: { summary: '{{ data.finding_info.title }}', labels: ['secorch', '{{ subject }}'], gone: '{{ data.nope }}' } }, event))
    .toEqual({ fields: { summary: 'SQL injection', labels: ['secorch', 'sarif:abc'] } });
  expect(render('{{ data.resources }}x', event)).toBe('[{"uid":"repo/x"}]x');
});

test('nothing but paths and quoted text is accepted: problems name the template path', () => {
  expect(templateProblems({ a: '{{ data.x }}', b: ["{{ process.exit() }}", "{{ 'ok' || x.y }}"] })).toEqual([
    'template.b[0]: "process.exit()" is not a field path or \'quoted text\'',
  ]);
  expect(render('{{ constructor.name }}', event)).toBeUndefined();
  expect(render('{{ data.__proto__ }}', event)).toBeUndefined();
  expect(() => renderText('{{ data.nope }}', event, 'summary')).toThrow(expect.objectContaining({ code: 'template_empty' }));
});

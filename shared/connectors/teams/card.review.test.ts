import { teamsMessage } from './card';

/**
 * The severity that colours the title is event data: a word naming an Object member
 * (`__proto__`, `constructor`) must read as an unknown severity, not as a member of the colour
 * table. Adaptive Card TextBlock `color` is one of a few strings (https://adaptivecards.io/explorer/TextBlock.html).
 */
const COLORS = ['Default', 'Dark', 'Light', 'Accent', 'Good', 'Warning', 'Attention'];

test.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])('a severity of %j gives no colour, and the card stays valid JSON of the schema', (severity) => {
  const m = teamsMessage({ title: 'T', fields: [{ label: 'Severity', value: severity }] });
  const wire = JSON.parse(JSON.stringify(m)) as typeof m;
  for (const card of [m, wire]) expect((card.attachments[0]!.content.body as Record<string, unknown>[])[0]).not.toHaveProperty('color');
});

test('known severities still colour the title, whatever their case', () => {
  for (const [severity, color] of [['HIGH', 'Attention'], ['Moderate', 'Warning']]) {
    const title = (teamsMessage({ title: 'T', fields: [{ label: 'severity', value: severity! }] }).attachments[0]!.content.body as Record<string, unknown>[])[0]!;
    expect(title.color).toBe(color);
    expect(COLORS).toContain(title.color);
  }
});

import { positiveIntegerEnv } from './env-number';

test('a whole-number setting: its value when valid, else the default, and a value set but invalid is warned about once', () => {
  const warnings: { msg: string; fields: Record<string, unknown> }[] = [];
  const warn = (msg: string, fields: Record<string, unknown>) => warnings.push({ msg, fields });
  expect(positiveIntegerEnv({}, 'SECORCH_TEST_NUMBER', 4, 5, warn)).toBe(5);
  expect(positiveIntegerEnv({ SECORCH_TEST_NUMBER: ' 8 ' }, 'SECORCH_TEST_NUMBER', 4, 5, warn)).toBe(8);
  expect(warnings).toEqual([]);

  for (let i = 0; i < 3; i++) expect(positiveIntegerEnv({ SECORCH_TEST_NUMBER: 'five' }, 'SECORCH_TEST_NUMBER', 4, 5, warn)).toBe(5);
  expect(warnings).toEqual([{
    msg: 'SECORCH_TEST_NUMBER is not a whole number from 1 to 9999; the default 5 applies',
    fields: { setting: 'SECORCH_TEST_NUMBER', value: 'five', default: 5 },
  }]);
  // Another wrong value is a new mistake, warned about too.
  expect(positiveIntegerEnv({ SECORCH_TEST_NUMBER: '0' }, 'SECORCH_TEST_NUMBER', 4, 5, warn)).toBe(5);
  expect(warnings.map((w) => w.fields.value)).toEqual(['five', '0']);
});

test('the default warning is one JSON log line at level warn on stdout', () => {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
  try {
    expect(positiveIntegerEnv({ SECORCH_TEST_OTHER: '1.5' }, 'SECORCH_TEST_OTHER', 5, 180)).toBe(180);
  } finally {
    spy.mockRestore();
  }
  expect(lines).toHaveLength(1);
  expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'warn', setting: 'SECORCH_TEST_OTHER', value: '1.5', default: 180 });
});

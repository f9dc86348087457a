import { buildFinding, FINDING_CLASS, OCSF_VERSION, severityFromWord } from './ocsf';

const base = {
  severityId: 3 as const,
  statusId: 1 as const,
  time: 1,
  finding_info: { uid: 'u', title: 'T' },
  metadata: { version: OCSF_VERSION, product: { name: 'P', vendor_name: 'V' } },
};

describe('OCSF finding assembly', () => {
  test.each([
    ['created', FINDING_CLASS.detection, 1, 'Create', 200401],
    ['updated', FINDING_CLASS.detection, 2, 'Update', 200402],
    ['resolved', FINDING_CLASS.vulnerability, 3, 'Close', 200203],
  ] as const)('%s on %o: activity %i %s, type_uid %i', (transition, cls, activityId, activityName, typeUid) => {
    const f = buildFinding({ ...base, cls, transition });
    expect(f).toMatchObject({
      category_uid: 2,
      category_name: 'Findings',
      class_uid: cls.uid,
      class_name: cls.name,
      activity_id: activityId,
      activity_name: activityName,
      type_uid: typeUid,
      type_name: `${cls.name}: ${activityName}`,
      severity_id: 3,
      severity: 'Medium',
      status_id: 1,
      status: 'New',
      message: 'T',
    });
  });

  test('absent optional parts leave no keys behind', () => {
    const f = buildFinding({ ...base, cls: FINDING_CLASS.detection, transition: 'created' });
    expect(Object.keys(f)).not.toEqual(expect.arrayContaining(['resources', 'vulnerabilities', 'unmapped', 'status_detail']));
    expect(JSON.parse(JSON.stringify(f))).toStrictEqual(f);
  });

  test('severity words map to OCSF severity ids, case-insensitively', () => {
    expect(severityFromWord('low')).toBe(2);
    expect(severityFromWord('Moderate')).toBe(3);
    expect(severityFromWord('HIGH')).toBe(4);
    expect(severityFromWord('critical')).toBe(5);
    expect(severityFromWord('constructor')).toBeUndefined();
    expect(severityFromWord(4)).toBeUndefined();
  });
});

import { mapAwsFindingEvent } from './eventbridge';
import { guardDutyAsff, guardDutyNative, importedEvent, importedV2Event, ocsfV2Finding, trivyVulns, type Json } from './fixtures.testkit';
import { isAsffSample, isGuardDutySample } from './sample';

/*
 * No fixture is a sample finding: the GuardDuty ASFF fixture is a real one (its
 * `aws/guardduty/service/additionalInfo` product field is empty). The samples below are those
 * findings with the markers CreateSampleFindings sets added: `service.additionalInfo.sample: true`
 * in GuardDuty's own form (or `additionalInfo.value: "{\"sample\":true}"`, the GetFindings form),
 * flattened by Security Hub into ASFF ProductFields as `aws/guardduty/service/additionalInfo/sample:
 * "true"`, and ASFF's own top-level `Sample` attribute.
 */
const RECEIVED = Date.UTC(2024, 0, 2, 3, 4, 5);
const GD_SAMPLE_FIELD = 'aws/guardduty/service/additionalInfo/sample';

const labelsOf = (event: Json) => {
  const result = mapAwsFindingEvent(event, RECEIVED);
  if (result.kind !== 'findings') throw new Error(`not mapped: ${JSON.stringify(result)}`);
  return result.events.map((e) => ((e.data as Json).metadata as Json).labels);
};
const asffWith = (patch: (f: Json) => void): Json => {
  const f = guardDutyAsff();
  patch(f);
  return importedEvent([f]);
};
const nativeWith = (additionalInfo: unknown): Json => {
  const f = guardDutyNative();
  (f.service as Json).additionalInfo = additionalInfo;
  return { ...importedEvent(), source: 'aws.guardduty', 'detail-type': 'GuardDuty Finding', detail: f };
};

describe('sample findings are labelled "sample" in metadata.labels', () => {
  test('real findings carry no label: the GuardDuty ASFF fixture, Trivy, a native finding, a V2 finding', () => {
    expect(labelsOf(importedEvent([guardDutyAsff(), ...trivyVulns()]))).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(labelsOf(nativeWith(undefined))).toEqual([undefined]);
    expect(labelsOf(importedV2Event())).toEqual([undefined]);
  });

  test.each([
    ['GuardDuty\'s flattened product field', (f: Json) => { (f.ProductFields as Json)[GD_SAMPLE_FIELD] = 'true'; }],
    ['the flattened additionalInfo value', (f: Json) => { (f.ProductFields as Json)['aws/guardduty/service/additionalInfo/value'] = '{"sample":true}'; }],
    ['ASFF\'s Sample attribute', (f: Json) => { f.Sample = true; }],
  ])('ASFF: %s', (_name, patch) => {
    expect(labelsOf(asffWith(patch))).toEqual([['sample']]);
  });

  test.each([
    ['additionalInfo.sample', { sample: true }],
    ['the GetFindings form', { type: 'default', value: '{"sample":true}' }],
    ['both', { sample: true, type: 'default', value: '{"sample":true}' }],
  ])('GuardDuty\'s own form: %s', (_name, additionalInfo) => {
    expect(labelsOf(nativeWith(additionalInfo))).toEqual([['sample']]);
  });

  test('the same sample finding is labelled on both paths', () => {
    const asff = asffWith((f) => { (f.ProductFields as Json)[GD_SAMPLE_FIELD] = 'true'; });
    expect(labelsOf(asff)).toEqual([['sample']]);
    expect(labelsOf(nativeWith({ sample: true }))).toEqual(labelsOf(asff));
  });

  test.each([
    ['sample false', { sample: false }], ['sample as another word', { sample: 'yes' }], ['value not JSON', { value: '{"sample":' }],
    ['value false', { value: '{"sample":false}' }], ['value a list', { value: '[true]' }], ['a string', 'sample'],
  ])('not a sample: %s', (_name, additionalInfo) => {
    expect(isGuardDutySample({ service: { additionalInfo } })).toBe(false);
    expect(isAsffSample({ Sample: false, ProductFields: { [GD_SAMPLE_FIELD]: 'false', 'aws/guardduty/service/additionalInfo/value': (additionalInfo as Json).value } })).toBe(false);
  });

  test('an additionalInfo value too long to be a sample marker is not parsed', () => {
    const long = `{"sample":true,"pad":"${'x'.repeat(70_000)}"}`;
    expect(isGuardDutySample({ service: { additionalInfo: { value: long } } })).toBe(false);
  });

  test('the V2 path passes the finding\'s own labels through', () => {
    const f = ocsfV2Finding();
    (f.metadata as Json).labels = ['sample'];
    expect(labelsOf(importedV2Event([f]))).toEqual([['sample']]);
  });
});

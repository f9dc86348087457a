/**
 * Sample findings: GuardDuty's CreateSampleFindings (console: Settings > Generate sample findings)
 * fills the findings list with one finding per type, made of placeholder values
 * (https://docs.aws.amazon.com/guardduty/latest/ug/sample_findings.html). They travel like real
 * findings (EventBridge, Security Hub), so a mapped sample carries `metadata.labels: ["sample"]`
 * and no one pages an on-call engineer for an attack that never happened.
 */
import { bool, obj, str, type Json } from '../read';

export const SAMPLE_LABEL = 'sample';

/** Longer than any real additionalInfo value needs to be to say `{"sample":true}`: not parsed. */
const MAX_VALUE_CHARS = 65_536;

/** `true` or `"true"`: GuardDuty writes the boolean, its ASFF copy flattens it to a string. */
const isTrue = (v: unknown): boolean => bool(v) === true || v === 'true';

/** `{"sample":true}` as JSON text (the additionalInfo `value` form); anything else is not a sample. */
function valueSaysSample(value: unknown): boolean {
  const text = str(value);
  if (text === undefined || text.length > MAX_VALUE_CHARS) return false;
  try {
    return isTrue(obj(JSON.parse(text) as unknown)?.sample);
  } catch {
    return false;
  }
}

/**
 * A GuardDuty finding as GuardDuty sends it: `service.additionalInfo.sample` is true; the
 * GetFindings form `additionalInfo: { type, value: "{\"sample\":true}" }` says it in `value`.
 */
export function isGuardDutySample(f: Json): boolean {
  const info = obj(obj(f.service)?.additionalInfo);
  return info !== undefined && (isTrue(info.sample) || valueSaysSample(info.value));
}

/**
 * An ASFF finding: the top-level `Sample` attribute (AwsSecurityFinding.Sample), or GuardDuty's
 * flattened `ProductFields["aws/guardduty/service/additionalInfo/sample"] = "true"` (or its
 * `.../additionalInfo/value` JSON text).
 */
export function isAsffSample(f: Json): boolean {
  if (isTrue(f.Sample)) return true;
  const fields = obj(f.ProductFields);
  return fields !== undefined && (
    isTrue(fields['aws/guardduty/service/additionalInfo/sample']) || valueSaysSample(fields['aws/guardduty/service/additionalInfo/value'])
  );
}

import type { Finding } from '../ocsf';
import { mapAsffFinding } from './asff';
import { guardDutyAsff, trivyVulns, type Json } from './fixtures.testkit';

// Class selection on the real findings with the ASFF attributes other providers add: a
// Security Hub control result (Compliance) and Inspector-style Vulnerabilities. Field names and
// values follow the ASFF reference: https://docs.aws.amazon.com/securityhub/latest/userguide/asff-top-level-attributes.html
const data = (f: Json) => mapAsffFinding(f, { receivedAt: 0 })?.data as Finding;

const CONTROL = {
  Types: ['Software and Configuration Checks/Industry and Regulatory Standards/AWS-Foundational-Security-Best-Practices'],
  Compliance: {
    Status: 'FAILED',
    SecurityControlId: 'EC2.8',
    RelatedRequirements: ['NIST.800-53.r5 AC-3'],
    AssociatedStandards: [{ StandardsId: 'standards/aws-foundational-security-best-practices/v/1.0.0' }],
    StatusReasons: [{ ReasonCode: 'CONFIG_EVALUATIONS_EMPTY', Description: 'AWS Config evaluated your resources against the rule.' }],
  },
  Remediation: { Recommendation: { Text: 'Require IMDSv2', Url: 'https://docs.aws.amazon.com/console/securityhub/EC2.8/remediation' } },
};

describe('ASFF class selection', () => {
  test('a control result is a Compliance Finding with standards, requirement, control and status', () => {
    const f = data({ ...guardDutyAsff(), ...CONTROL });
    expect(f).toMatchObject({ class_uid: 2003, class_name: 'Compliance Finding', type_uid: 200302 });
    expect(f.compliance).toEqual({
      standards: ['standards/aws-foundational-security-best-practices/v/1.0.0'],
      requirements: ['NIST.800-53.r5 AC-3'],
      control: 'EC2.8',
      status_id: 3,
      status: 'Fail',
      status_code: 'FAILED',
      status_detail: 'AWS Config evaluated your resources against the rule.',
    });
    expect(f.remediation).toEqual({ desc: 'Require IMDSv2', references: ['https://docs.aws.amazon.com/console/securityhub/EC2.8/remediation'] });
    expect(f.vulnerabilities).toBeUndefined();
  });

  test.each([['PASSED', 1, 'Pass'], ['WARNING', 2, 'Warning'], ['NOT_AVAILABLE', 99, 'Other']])(
    'Compliance.Status %s -> compliance status %i %s; legacy StandardsArn when no AssociatedStandards',
    (status, id, name) => {
      const f = data({ ...guardDutyAsff(), ProductFields: { StandardsArn: 'arn:aws:securityhub:::standards/cis' }, Compliance: { Status: status } });
      expect(f.compliance).toEqual({ standards: ['arn:aws:securityhub:::standards/cis'], status_id: id, status: name, status_code: status });
    },
  );

  test('an ASFF Vulnerabilities list wins over Trivy details and makes a Vulnerability Finding', () => {
    const vulnerabilities = [{
      Id: 'CVE-2019-1549',
      VulnerablePackages: [{ Name: 'openssl', Version: '1.1.1c', PackageManager: 'apk', FixedInVersion: '1.1.1d', FilePath: '/lib' }],
      Cvss: [{ Version: '3.1', BaseScore: 5.3, BaseVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N' }, { Version: '3.1' }],
      Vendor: { Name: 'NVD', VendorSeverity: 'MEDIUM' },
      ReferenceUrls: ['https://nvd.nist.gov/vuln/detail/CVE-2019-1549'],
      FixAvailable: 'NO',
    }, { VulnerablePackages: [] }];
    const f = data({ ...guardDutyAsff(), Vulnerabilities: vulnerabilities });
    expect(f.class_uid).toBe(2002);
    expect(f.vulnerabilities).toEqual([{
      title: 'CVE-2019-1549',
      cve: { uid: 'CVE-2019-1549', cvss: [{ version: '3.1', base_score: 5.3, vector_string: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N' }] },
      affected_packages: [{ name: 'openssl', version: '1.1.1c', package_manager: 'apk', fixed_in_version: '1.1.1d', path: '/lib' }],
      references: ['https://nvd.nist.gov/vuln/detail/CVE-2019-1549'],
      is_fix_available: false,
      vendor_name: 'NVD',
      severity: 'MEDIUM',
    }]);
  });

  test('typed as a vulnerability without any CVE detail: still valid, one entry named after the finding', () => {
    const [trivy] = trivyVulns();
    const f = data({ ...trivy, Resources: [] });
    expect(f.class_uid).toBe(2002);
    expect(f.vulnerabilities).toEqual([expect.objectContaining({ title: trivy!.Title, remediation: expect.objectContaining({ references: ['https://avd.aquasec.com/nvd/cve-2019-1549'] }) })]);
  });

  test('TTP types without Compliance or Vulnerabilities stay Detection Findings', () => {
    expect(data(guardDutyAsff()).class_uid).toBe(2004);
    expect(data({ ...guardDutyAsff(), Compliance: {} }).class_uid).toBe(2004); // no Status: no result
  });
});

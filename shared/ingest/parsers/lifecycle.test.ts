/**
 * What a report says about a finding's life reaches the event type: a result the report calls
 * gone, passed or suppressed is `secorch.finding.resolved` (OCSF activity Close), as the ASFF and
 * GitHub mappers publish a RESOLVED/SUPPRESSED or fixed/dismissed finding. Ticket destinations act
 * on the type alone (shared/connectors/tickets.ts): as `secorch.finding.created`, such a result
 * opened a ticket for a finding that is gone, and never closed the one it had.
 */
import type { ReportFinding } from '../types';
import { dataOf, parseBytes, parseFixture } from './testkit';

const sarif = (results: unknown[]) => JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 't' } }, results }] });
/** [event type without its prefix, OCSF status_id, OCSF activity_id] of each finding. */
const lifecycle = (fs: ReportFinding[]) => fs.map((f) => [f.type.replace('secorch.finding.', ''), dataOf(f).status_id, dataOf(f).activity_id]);

describe('finding life cycle in reports', () => {
  it('publishes a SARIF result the baseline calls absent as resolved (Baseline.sarif, SARIF 3.27.24)', async () => {
    const { findings } = await parseFixture('sarif-tutorials/Baseline.sarif');
    expect(lifecycle(findings)).toEqual([['resolved', 4, 3], ['created', 1, 1], ['created', 1, 1], ['created', 1, 1]]);
  });

  it('publishes suppressed SARIF results as resolved, and those still open as created (Suppressions.sarif)', async () => {
    const { findings } = await parseFixture('sarif-tutorials/Suppressions.sarif');
    expect(findings.map((f) => [f.type.replace('secorch.finding.', ''), dataOf(f).status_id])).toEqual([
      ['created', 1], ['resolved', 3], ['resolved', 3], ['created', 1], ['resolved', 3], ['created', 2], ['resolved', 3], ['resolved', 3], ['created', 2],
    ]);
  });

  it('publishes pass and notApplicable results as resolved; review, open and informational ones stay open (SARIF 3.27.9)', async () => {
    const hit = (kind: string) => ({ ruleId: 'R', kind, message: { text: kind } });
    const { findings } = await parseBytes(sarif(['pass', 'notApplicable', 'review', 'open', 'informational', 'fail'].map(hit)));
    expect(lifecycle(findings)).toEqual([['resolved', 4, 3], ['resolved', 4, 3], ['created', 1, 1], ['created', 1, 1], ['created', 1, 1], ['created', 1, 1]]);
    expect(dataOf(findings[1]!).status_detail).toBe('notApplicable');
  });

  it('does not let a suppression that is no object suppress a result', async () => {
    const hit = (suppressions: unknown[]) => ({ ruleId: 'R', message: { text: JSON.stringify(suppressions) }, suppressions });
    const { findings } = await parseBytes(sarif([hit([null]), hit(['accepted']), hit([42]), hit([{ kind: 'inSource' }])]));
    expect(lifecycle(findings)).toEqual([['created', 1, 1], ['created', 1, 1], ['created', 1, 1], ['resolved', 3, 3]]);
  });

  it('closes a Trivy check that passes now under the uid it failed under', async () => {
    const check = (Status: string) => ({ ID: 'DS002', Title: 'root user', Severity: 'HIGH', Status, CauseMetadata: { StartLine: 1 } });
    const report = (Status: string) => JSON.stringify({ SchemaVersion: 2, ArtifactName: 'Dockerfile', Results: [{ Target: 'Dockerfile', Class: 'config', Misconfigurations: [check(Status)] }] });
    const [failed] = (await parseBytes(report('FAIL'))).findings;
    const [passed] = (await parseBytes(report('PASS'), { source: { key: 'next-scan' } })).findings;
    expect(lifecycle([failed!, passed!])).toEqual([['created', 1, 1], ['resolved', 4, 3]]);
    expect(passed!.subject).toBe(failed!.subject);
  });

  it('publishes a Trivy check under a policy exception as suppressed, not open (Status EXCEPTION)', async () => {
    const report = JSON.stringify({ SchemaVersion: 2, ArtifactName: 'main.tf', Results: [{ Target: 'main.tf', Class: 'config', Misconfigurations: [
      { ID: 'AVD-AWS-0086', Severity: 'HIGH', Status: 'EXCEPTION', Message: 'public access block excepted by policy' },
    ] }] });
    const [excepted] = (await parseBytes(report)).findings;
    expect(lifecycle([excepted!])).toEqual([['resolved', 3, 3]]);
    expect(dataOf(excepted!).compliance).toMatchObject({ status_code: 'EXCEPTION' });
  });

  it('publishes JSON Lines and CSV findings whose status is resolved or suppressed as resolved', async () => {
    const jsonl = await parseBytes(['open', 'fixed', 'suppressed', 'in_progress'].map((status) => JSON.stringify({ title: 'x', status, fingerprint: status })).join('\n'));
    expect(lifecycle(jsonl.findings)).toEqual([['created', 1, 1], ['resolved', 4, 3], ['resolved', 3, 3], ['created', 2, 1]]);
    const csv = await parseBytes('title,status\nx,closed\ny,new\n');
    expect(lifecycle(csv.findings)).toEqual([['resolved', 4, 3], ['created', 1, 1]]);
  });
});

/**
 * What a SARIF run may keep in memory while its results stream by. Results are mapped one at a
 * time, but each needs its run's rules (tool.driver.rules, tool.extensions[].rules: severity,
 * class, title template, description) and the artifact URIs it may cite by index
 * (runs[].artifacts), so those are kept for the whole run. Without a bound, a report listing
 * millions of rules or artifacts (a hostile one, or a tool gone wrong) would take the function's
 * memory, whatever the streaming does for results. The budget is per run (a run's rules and
 * artifacts are dropped when the next run starts) and counted in estimated heap bytes, so many
 * small entries and a few huge ones are bounded alike.
 * - Rules beyond MAX_RULE_BYTES refuse the report (report_too_large, pointing at the rule that
 *   crossed it): a result mapped without its rule would carry the wrong severity, class and
 *   title, so there is no lesser way to ingest it. Real tools stay far below: a CodeQL query
 *   pack's few hundred rules with their help text take a few MB.
 * - Artifacts beyond MAX_ARTIFACT_BYTES are not kept, with an `artifacts_dropped` warning: an
 *   artifact only supplies the URI of a result that gives an index and no URI (most tools give
 *   both), and such a result still has its index (`artifact_index`). A monorepo scan can list
 *   hundreds of thousands of files, which is no reason to refuse its findings.
 * The per-entry costs were measured with V8 (heapUsed after gc, 200,000 entries): a rule with an
 * id alone takes about 127 bytes, one with id, name, short description, level, score and two tags
 * (68 characters) about 463, an artifact URI of 31 characters about 58. The estimates below are
 * at or above those. Text beyond Latin-1 (CJK, Cyrillic, emoji) takes two bytes per character and
 * is charged so (heap-cost.ts). The tool.driver fields a run keeps (its name, version, ...: each
 * a string of up to 32 MiB) are charged to the rules' budget.
 */
import { ReportError } from '../types';
import { charBytes, stringCost } from './heap-cost';
import type { RuleInfo } from './sarif-run';
import type { ReportWarnings } from './warnings';

export const MAX_RULE_BYTES = 32 * 1024 * 1024;
export const MAX_ARTIFACT_BYTES = 16 * 1024 * 1024;

const RULE_BASE = 128;
/**
 * One tool.extensions entry kept for its rules or name: measured at about 115 bytes named with no
 * rules, and about 215 with one rule beyond the rule itself (its rules array grows in steps).
 */
export const EXTENSION_BASE = 256;
const ARTIFACT_BASE = 32;

const MIB = 1024 * 1024;

/** Estimated heap bytes of one reduced rule (sarif-run.ts ruleInfo), with its byId entry. */
export function ruleCost(rule: RuleInfo): number {
  let n = RULE_BASE;
  // A numeric securitySeverity is held in the rule itself (RULE_BASE); only a string costs more.
  for (const v of [rule.id, rule.name, rule.short, rule.full, rule.helpText, rule.helpUri, rule.level, rule.securitySeverity]) n += stringCost(v);
  for (const t of rule.tags ?? []) n += stringCost(t);
  for (const [k, v] of Object.entries(rule.messages ?? {})) n += stringCost(k) + stringCost(v);
  return n;
}

export class RunBudget {
  private rules = 0;
  private artifacts = 0;
  private dropped = 0;
  private firstDropped: string | undefined;

  constructor(private readonly run: number) {}

  /**
   * Charges a kept rule, extension name or tool.driver field (what crossed the budget is named by
   * the pointer); throws report_too_large past the budget.
   */
  chargeRule(bytes: number, pointer: () => string): void {
    this.rules += bytes;
    if (this.rules <= MAX_RULE_BYTES) return;
    const at = pointer();
    throw new ReportError(
      'report_too_large',
      `The rules of run ${this.run} take more than ${MAX_RULE_BYTES / MIB} MiB (at ${at}): results need them in memory to be mapped, so the report cannot be streamed`,
      'sarif',
      at,
    );
  }

  /** True when an artifact of this URI fits; otherwise it is counted as dropped. */
  admitArtifact(uri: string | undefined, pointer: () => string): boolean {
    const cost = ARTIFACT_BASE + (uri === undefined ? 0 : charBytes(uri));
    if (this.dropped === 0 && this.artifacts + cost <= MAX_ARTIFACT_BYTES) {
      this.artifacts += cost;
      return true;
    }
    this.dropped += 1;
    this.firstDropped ??= pointer();
    return false;
  }

  /** At the end of the run: records what was dropped, if anything. */
  report(warnings: ReportWarnings): void {
    if (this.dropped === 0) return;
    warnings.add('artifacts_dropped', this.firstDropped!, `${this.dropped} artifacts of run ${this.run} from here on exceed ${MAX_ARTIFACT_BYTES / MIB} MiB`, this.dropped);
  }
}

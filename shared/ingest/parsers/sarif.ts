/**
 * SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html), streamed:
 * only the driver's identity, its rules and its extensions' rules (one at a time), artifact URIs
 * and results (one at a time) are selected; everything else is tokenized and dropped. Results that precede their
 * run's `tool` (keys have no order in JSON) are held until the tool closes or the run ends,
 * up to MAX_PENDING results (then the report is refused as report_unsupported) and MAX_PENDING_BYTES
 * of estimated heap (then report_too_large at the result that crossed it), pending.ts. Results that
 * cite their file by artifact index alone and precede the run's `artifacts` are held likewise
 * until the artifacts are read, so the order of a run's members changes no finding; beyond the
 * same bounds they are mapped with the index and an `artifacts_late` warning (sarif-awaiting.ts).
 * The tool's fields, rules and artifacts kept for a run's results are bounded (sarif-budget.ts):
 * the tool's fields and rules past their budget refuse the report (report_too_large), artifacts
 * past theirs are dropped with an `artifacts_dropped` warning.
 * Schema checks: runs, results and artifacts must be arrays (or null), runs, tools and results
 * objects; a violation is report_invalid with the JSON Pointer of the offending value. A report
 * without results whose producer or tool failed is report_scan_failed (sarif-outcome.ts).
 */
import { TokenType, type ParsedElementInfo } from '@streamparser/json';
import { obj, str, type Json } from '../../mappers/read';
import { ReportError, type ReportFinding } from '../types';
import type { ReportContext } from './finding';
import { charBytes, stringCost, valueCost } from './heap-cost';
import { pathOf } from './json-stream';
import { streamJson } from './json-stream';
import { Pending } from './pending';
import { OUTCOME_PATHS, SarifOutcome } from './sarif-outcome';
import { AwaitingArtifacts } from './sarif-awaiting';
import { citesArtifactByIndex, mapSarifResult } from './sarif-result';
import { EXTENSION_BASE, RunBudget, ruleCost } from './sarif-budget';
import { addExtensionName, addRule, artifactUri, hasExtension, newRun } from './sarif-run';
import { isListOrNull, isObject, pointerOf } from './shape';

const DRIVER_FIELDS = ['name', 'fullName', 'version', 'semanticVersion', 'organization'];
const PATHS = [
  ...DRIVER_FIELDS.map((f) => `$.runs.*.tool.driver.${f}`),
  '$.runs.*.tool.driver.rules.*',
  '$.runs.*.tool.extensions.*.name',
  '$.runs.*.tool.extensions.*.rules.*',
  '$.runs.*.artifacts.*',
  '$.runs.*.results.*',
  ...OUTCOME_PATHS,
];

const invalid = (pointer: string, message: string) => new ReportError('report_invalid', message, 'sarif', pointer);

export function parseSarif(body: AsyncIterable<Uint8Array>, ctx: ReportContext): AsyncGenerator<ReportFinding> {
  let run = newRun(0);
  let budget = new RunBudget(0);
  let toolDone = false;
  let pending = new Pending<[Json, string]>('sarif', 'the tool', '/runs/0/tool');
  let artifactsRead = false;
  let awaiting = new AwaitingArtifacts(0);
  const outcome = new SarifOutcome();
  let emitted = 0;

  return streamJson<ReportFinding>(body, 'sarif', (out) => {
    const emit = (result: Json, pointer: string) => {
      emitted += 1;
      out.push(mapSarifResult(ctx, run, result, pointer));
    };
    const emitAll = (held: [Json, string][]) => {
      for (const [result, pointer] of held) emit(result, pointer);
    };
    // The tool is read: a result is mapped now unless it needs artifacts still to come.
    const emitOrHold = (result: Json, pointer: string) => {
      if (artifactsRead || !citesArtifactByIndex(result) || !awaiting.hold(result, pointer)) emit(result, pointer);
    };
    const at = (info: ParsedElementInfo) => () => pointerOf(pathOf(info));
    // Rules and artifacts stay for the whole run: within its budget (sarif-budget.ts).
    // An extension's entry is charged when its first rule or its name makes it: a run may list
    // millions of extensions whose entries would otherwise cost nothing (`{"name":"x"}` each).
    const extensionCost = (extension: number | undefined) => (extension === undefined || hasExtension(run, extension) ? 0 : EXTENSION_BASE);
    const keepRule = (info: ParsedElementInfo, extension?: number) => {
      const entry = extensionCost(extension);
      const rule = addRule(run, info.value, extension);
      // A rule whose id another component's rule holds may be kept under a key of its own (sarif-run.ts addRule).
      const key = rule.id !== undefined && run.byId.get(rule.id) !== rule ? stringCost(rule.id) : 0;
      budget.chargeRule(entry + ruleCost(rule) + key, at(info));
    };
    const keepExtensionName = (info: ParsedElementInfo, extension: number) => {
      const entry = typeof info.value === 'string' ? extensionCost(extension) : 0;
      addExtensionName(run, extension, info.value);
      budget.chargeRule(entry + (typeof info.value === 'string' ? charBytes(info.value) : 0), at(info));
    };
    // tool.driver.name, version, ...: strings of up to 32 MiB each (MAX_TOKEN_BYTES), kept for
    // the run and charged with its rules. Only strings are read (productOf, the tool's name), so
    // any other value (up to a 16 MB array, json-limits.ts) is not kept.
    const keepDriverField = (info: ParsedElementInfo) => {
      const value = str(info.value);
      budget.chargeRule(stringCost(value), at(info));
      run.driver[info.key as string] = value;
    };
    const keepArtifact = (info: ParsedElementInfo) => {
      const uri = artifactUri(info.value);
      if (budget.admitArtifact(uri, at(info))) run.artifacts[info.key as number] = uri;
    };
    const onResult = (info: ParsedElementInfo) => {
      const pointer = pointerOf(pathOf(info));
      const result = obj(info.value);
      if (result === undefined) throw invalid(pointer, 'A SARIF result must be an object');
      if (toolDone) emitOrHold(result, pointer);
      else pending.push([result, pointer], valueCost(result), pointer);
    };
    return {
      paths: PATHS,
      onValue(info) {
        const depth = info.stack.length;
        const where = info.stack[3]?.key;
        // runs[i].invocations[j].executionSuccessful (depth 5) or .toolExecutionNotifications[k] (depth 6).
        if (where === 'invocations' && depth === 5) outcome.onExecutionSuccessful(info.stack[4]!.key as number, info.value);
        else if (where === 'invocations') outcome.onNotification(info.stack[4]!.key as number, info.value);
        else if (depth === 4 && where === 'results') onResult(info);
        else if (depth === 4 && where === 'artifacts') keepArtifact(info);
        else if (depth === 5) keepDriverField(info);
        else if (info.stack[4]?.key === 'driver') keepRule(info);
        // tool.extensions[j].name (depth 6) or tool.extensions[j].rules[k] (depth 7).
        else if (depth === 6) keepExtensionName(info, info.stack[5]!.key as number);
        else if (depth === 7) keepRule(info, info.stack[5]!.key as number);
      },
      shape: {
        onStart(path, length, t) {
          if (path[0] !== 'runs' || length === 0) return;
          const pointer = pointerOf(path, length);
          if (length === 1 && !isListOrNull(t)) throw invalid(pointer, '`runs` must be an array');
          if (length === 1 && t.token === TokenType.NULL) outcome.producerFailed();
          if (length === 2) {
            if (!isObject(t)) throw invalid(pointer, 'A run must be an object');
            run = newRun(path[1] as number);
            budget = new RunBudget(path[1] as number);
            toolDone = false;
            pending = new Pending('sarif', 'the tool', `${pointer}/tool`);
            artifactsRead = false;
            awaiting = new AwaitingArtifacts(path[1] as number);
            outcome.startRun();
          }
          if (length === 3 && (path[2] === 'results' || path[2] === 'artifacts') && !isListOrNull(t)) throw invalid(pointer, `\`${path[2]}\` must be an array`);
          if (length === 3 && path[2] === 'results') outcome.onResults(t.token === TokenType.LEFT_BRACKET);
          if (length === 3 && path[2] === 'tool' && !isObject(t)) throw invalid(pointer, '`tool` must be an object');
        },
        onEnd(path, length) {
          if (path[0] !== 'runs') return;
          // The tool closed (its rules are known), the artifacts did (their URIs are known), or
          // the run closed (no more context is coming).
          if (length === 3 && path[2] === 'tool') {
            toolDone = true;
            for (const [result, pointer] of pending.drain()) emitOrHold(result, pointer);
          }
          if (length === 3 && path[2] === 'artifacts') {
            artifactsRead = true;
            emitAll(awaiting.artifactsRead());
          }
          if (length === 2) {
            emitAll(pending.drain());
            emitAll(awaiting.drain());
            outcome.endRun(path[1] as number, str(run.driver.name));
            budget.report(ctx.warnings);
            awaiting.report(ctx.warnings);
          }
        },
      },
      onDocumentEnd() {
        const failed = emitted === 0 ? outcome.failure() : undefined;
        if (failed) throw failed;
      },
    };
  });
}

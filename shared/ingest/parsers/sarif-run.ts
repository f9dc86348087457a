/**
 * What a SARIF run contributes to each of its results: the tool (product), its rules reduced
 * to the fields a finding uses, and the artifact URIs results may point at by index.
 * SARIF 2.1.0: https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
 * (toolComponent 3.19, reportingDescriptor 3.49, artifact 3.24).
 */
import type { Product } from '../../mappers/ocsf';
import { arr, compact, num, obj, setOwn, str, strings, type Json } from '../../mappers/read';

/** A reportingDescriptor (3.49), reduced: a 200 MB report may carry thousands of rules. */
export interface RuleInfo {
  id?: string;
  name?: string;
  short?: string;
  full?: string;
  helpText?: string;
  helpUri?: string;
  /** defaultConfiguration.level (3.50.3). */
  level?: string;
  /**
   * properties["security-severity"]: the CVSS-like score GitHub and Trivy write, a number or a
   * numeric string (severityFromScore reads nothing else). Any other value is not kept: it would
   * stay in memory for the whole run, uncharged by the run's budget (sarif-budget.ts).
   */
  securitySeverity?: number | string;
  tags?: string[];
  /** messageStrings (3.49.11): templates results cite by message.id. */
  messages?: Record<string, string>;
  /** The index in tool.extensions of an extension's rule; absent for the driver's. */
  component?: number;
}

export interface SarifRun {
  index: number;
  driver: Json;
  /** tool.driver.rules. */
  rules: RuleInfo[];
  /**
   * tool.extensions[i].rules and names: CodeQL lists its queries' rules under the query pack's
   * extension (driver.rules stays empty), and results cite them as
   * `rule: { index, toolComponent: { index } }` (3.52.7, 3.54.5).
   */
  extensions: { name?: string; rules: RuleInfo[] }[];
  /**
   * Every rule by id, for results that give only a ruleId: the first rule of each id (JSON writes
   * the driver before its extensions) under the id, and a later rule of the same id from another
   * component under componentKey, so a result naming that component finds its own.
   */
  byId: Map<string, RuleInfo>;
  /** artifacts[i].location.uri, for results that cite an artifact by index (3.4.5). */
  artifacts: (string | undefined)[];
}

export const newRun = (index: number): SarifRun => ({ index, driver: {}, rules: [], extensions: [], byId: new Map(), artifacts: [] });

const text = (v: unknown): string | undefined => str(obj(v)?.text);

export function ruleInfo(v: unknown): RuleInfo {
  const r = obj(v) ?? {};
  const props = obj(r.properties);
  const score = props?.['security-severity'];
  const messages: Record<string, string> = {};
  for (const [id, m] of Object.entries(obj(r.messageStrings) ?? {})) {
    const t = text(m);
    // Defined, not assigned: an id named `__proto__` would otherwise set the prototype and be lost.
    if (t !== undefined) setOwn(messages, id, t);
  }
  return compact({
    id: str(r.id),
    name: str(r.name),
    short: text(r.shortDescription),
    full: text(r.fullDescription),
    helpText: text(r.help),
    helpUri: str(r.helpUri),
    level: str(obj(r.defaultConfiguration)?.level),
    securitySeverity: typeof score === 'number' || typeof score === 'string' ? score : undefined,
    tags: strings(props?.tags),
    messages: Object.keys(messages).length > 0 ? messages : undefined,
  });
}

const extensionAt = (run: SarifRun, index: number) => (run.extensions[index] ??= { rules: [] });

/** The byId key of a rule of the driver (undefined) or tool.extensions[extension] whose id another component's rule holds. */
const componentKey = (extension: number | undefined, id: string): string => `${extension ?? ''}\0${id}`;

/**
 * A rule of tool.driver, or with `extension` set, of tool.extensions[extension]; returns what is
 * kept of it. The first rule of each id in a component is found by id: under the id itself, or
 * under componentKey when another component's rule holds the id (a key the caller charges).
 */
export function addRule(run: SarifRun, v: unknown, extension?: number): RuleInfo {
  const rule = ruleInfo(v);
  if (extension !== undefined) rule.component = extension;
  (extension === undefined ? run.rules : extensionAt(run, extension).rules).push(rule);
  if (rule.id === undefined) return rule;
  const holder = run.byId.get(rule.id);
  if (holder === undefined) run.byId.set(rule.id, rule);
  else if (holder.component !== extension) {
    const key = componentKey(extension, rule.id);
    if (!run.byId.has(key)) run.byId.set(key, rule);
  }
  return rule;
}

/** Whether tool.extensions[extension] has an entry yet (the budget charges each one once, sarif-budget.ts). */
export const hasExtension = (run: SarifRun, extension: number): boolean => run.extensions[extension] !== undefined;

export function addExtensionName(run: SarifRun, extension: number, name: unknown): void {
  const n = str(name);
  if (n !== undefined) extensionAt(run, extension).name = n;
}

/**
 * The tool component a result's rule reference names (3.52.7, 3.54): the driver (undefined) unless
 * `rule.toolComponent` names an extension, by index into tool.extensions (3.54.5) or by name; null
 * when it names one this run does not have.
 */
function componentOf(run: SarifRun, ref: Json | undefined): number | undefined | null {
  const component = obj(ref?.toolComponent);
  if (component === undefined) return undefined;
  const index = num(component.index);
  if (index !== undefined) return run.extensions[index] === undefined ? null : index;
  const name = str(component.name);
  if (name === undefined || name === str(run.driver.name)) return undefined;
  const found = run.extensions.findIndex((e) => e?.name === name);
  return found === -1 ? null : found;
}

/** The rule of this id in the component, else the first rule of this id in any. */
function byIdIn(run: SarifRun, component: number | undefined | null, id: string): RuleInfo | undefined {
  const holder = run.byId.get(id);
  if (holder === undefined || component === null || holder.component === component) return holder;
  return run.byId.get(componentKey(component, id)) ?? holder;
}

/** The rule a result cites: by ruleIndex or rule.index (3.27.6, 3.52.5) in its tool component, else by ruleId in that component, else its hierarchical parent ("A/B" -> "A"). */
export function ruleOf(run: SarifRun, result: Json, ruleId: string | undefined): RuleInfo | undefined {
  const ref = obj(result.rule);
  const index = result.ruleIndex ?? ref?.index;
  const component = componentOf(run, ref);
  const rules = component === undefined ? run.rules : component === null ? undefined : run.extensions[component]?.rules;
  if (typeof index === 'number' && rules?.[index] !== undefined) return rules[index];
  if (ruleId === undefined) return undefined;
  return byIdIn(run, component, ruleId) ?? byIdIn(run, component, ruleId.split('/')[0]!);
}

/** artifacts[i].location.uri (3.24.2). */
export const artifactUri = (v: unknown): string | undefined => str(obj(obj(v)?.location)?.uri);

export function addArtifact(run: SarifRun, index: number, v: unknown): void {
  run.artifacts[index] = artifactUri(v);
}

/** tool.driver (3.18.2) as the OCSF product; organization is optional, hence 'Unknown'. */
export function productOf(run: SarifRun): Product {
  const name = str(run.driver.name);
  const version = str(run.driver.semanticVersion) ?? str(run.driver.version);
  return compact({
    name: str(run.driver.fullName) ?? name ?? 'SARIF producer',
    vendor_name: str(run.driver.organization) ?? 'Unknown',
    feature: name === undefined ? undefined : compact({ name, version }),
  });
}

/** A whole tool object (the non-streaming path: bench baseline, tests). */
export function runFromTool(index: number, tool: unknown, artifacts: unknown): SarifRun {
  const run = newRun(index);
  const driver = obj(obj(tool)?.driver) ?? {};
  run.driver = driver;
  for (const rule of arr(driver.rules)) addRule(run, rule);
  arr(obj(tool)?.extensions).forEach((e, i) => {
    addExtensionName(run, i, obj(e)?.name);
    for (const rule of arr(obj(e)?.rules)) addRule(run, rule, i);
  });
  arr(artifacts).forEach((a, i) => addArtifact(run, i, a));
  return run;
}

/**
 * A large, realistic SARIF file for the memory test and bench/ingest.ts: one run of a
 * CodeQL-like tool with RULES rules (descriptions, help, security-severity, tags) and results
 * with a message, a file location with a region and snippet, and partialFingerprints, written
 * pretty-printed like the tools write them. Written in batches: the generator never holds it.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

const RULES = 120;
const BATCH = 500;

const rule = (i: number) => ({
  id: `js/rule-${i}`,
  name: `Rule${i}`,
  shortDescription: { text: `Database query built from user-controlled sources (${i})` },
  fullDescription: { text: 'Building a database query from user-controlled sources is vulnerable to insertion of malicious code by the user. '.repeat(2) },
  defaultConfiguration: { level: i % 3 === 0 ? 'error' : 'warning' },
  help: { text: `# Rule ${i}\n${'If a database query is built from user-provided data without sufficient sanitization, a user may be able to run malicious database queries. '.repeat(3)}` },
  helpUri: `https://codeql.github.com/codeql-query-help/javascript/js-rule-${i}/`,
  properties: { 'security-severity': String((i % 100) / 10), tags: ['security', `external/cwe/cwe-${80 + (i % 20)}`], precision: 'high' },
});

export const sarifResult = (i: number) => ({
  ruleId: `js/rule-${i % RULES}`,
  ruleIndex: i % RULES,
  message: { text: `This query string depends on a [user-provided value](1) read in handler ${i % 977}; the value reaches a database call without sanitization.` },
  locations: [{
    physicalLocation: {
      artifactLocation: { uri: `src/services/module-${i % 4099}/handler-${i % 37}.js`, uriBaseId: '%SRCROOT%' },
      region: { startLine: 10 + (i % 500), startColumn: 7, endLine: 10 + (i % 500), endColumn: 52, snippet: { text: '    const rows = await db.query(`SELECT * FROM t WHERE id = ${id}`);' } },
    },
  }],
  partialFingerprints: { primaryLocationLineHash: `${(i * 2654435761 % 2 ** 32).toString(16).padStart(8, '0')}${(i % 65536).toString(16).padStart(8, '0')}:1`, primaryLocationStartColumnFingerprint: String(i % 13) },
});

/** Writes a SARIF log of at least `minBytes` to `path`; returns its result count and size. */
export function writeLargeSarif(path: string, minBytes: number): { results: number; bytes: number } {
  const fd = openSync(path, 'w');
  try {
    const tool = { driver: { name: 'CodeQL', organization: 'GitHub', semanticVersion: '2.20.1', rules: Array.from({ length: RULES }, (_, i) => rule(i)) } };
    const head = `{\n  "$schema": "https://json.schemastore.org/sarif-2.1.0.json",\n  "version": "2.1.0",\n  "runs": [\n    {\n      "tool": ${JSON.stringify(tool, null, 2)},\n      "results": [\n`;
    let bytes = writeSync(fd, head);
    let results = 0;
    while (bytes < minBytes) {
      const parts: string[] = [];
      for (let j = 0; j < BATCH; j++, results++) parts.push(`${results === 0 ? '' : ',\n'}${JSON.stringify(sarifResult(results), null, 2)}`);
      bytes += writeSync(fd, parts.join(''));
    }
    bytes += writeSync(fd, '\n      ],\n      "columnKind": "utf16CodeUnits"\n    }\n  ]\n}\n');
    return { results, bytes };
  } finally {
    closeSync(fd);
  }
}

export interface WideSarif {
  /** tool.driver.rules entries: ids `r<i>`, each with `helpBytes` of help text. */
  rules?: number;
  helpBytes?: number;
  /** Each rule's properties["security-severity"] as an array of this many zeros (a hostile report: no score is an array). */
  scoreItems?: number;
  /** tool.extensions entries, each `{"name":"x"}` with no rules. */
  extensions?: number;
  /** runs[0].artifacts entries, each a URI of about `uriBytes` characters. */
  artifacts?: number;
  uriBytes?: number;
  /** Results citing rule i % rules and artifact index i % artifacts (by index alone, no URI). */
  results?: number;
}

const pad = (s: string, n: number) => (s.length >= n ? s : `${s}${'x'.repeat(n - s.length)}`);

/**
 * A SARIF log whose run carries many (or large) rules and artifacts, compact, written in batches:
 * what a hostile report or a runaway tool sends to exhaust the memory kept for a run's results.
 */
export function writeWideSarif(path: string, w: WideSarif): { bytes: number } {
  const { rules = 0, helpBytes = 0, scoreItems = 0, extensions = 0, artifacts = 0, uriBytes = 20, results = 1 } = w;
  const fd = openSync(path, 'w');
  let bytes = 0;
  // Written every BATCH items or 8 MB, whichever comes first: items may be large.
  const batched = (n: number, item: (i: number) => string) => {
    let parts: string[] = [];
    let size = 0;
    const flush = () => {
      bytes += writeSync(fd, parts.join(''));
      parts = [];
      size = 0;
    };
    for (let j = 0; j < n; j++) {
      const text = `${j === 0 ? '' : ','}${item(j)}`;
      parts.push(text);
      size += text.length;
      if (parts.length >= BATCH || size >= 8 * 1024 * 1024) flush();
    }
    if (parts.length > 0) flush();
  };
  try {
    bytes += writeSync(fd, '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"Wide","rules":[');
    const help = helpBytes > 0 ? `,"help":{"text":"${'h'.repeat(helpBytes)}"}` : '';
    const score = scoreItems > 0 ? `,"properties":{"security-severity":[${Array(scoreItems).fill(0).join(',')}]}` : '';
    batched(rules, (i) => `{"id":"r${i}","defaultConfiguration":{"level":"error"}${help}${score}}`);
    bytes += writeSync(fd, ']},"extensions":[');
    batched(extensions, () => '{"name":"x"}');
    bytes += writeSync(fd, ']},"artifacts":[');
    batched(artifacts, (i) => `{"location":{"uri":"${pad(`src/f${i}.js`, uriBytes)}"}}`);
    bytes += writeSync(fd, '],"results":[');
    batched(results, (i) => JSON.stringify({
      ruleId: rules > 0 ? `r${i % rules}` : 'r', message: { text: `m${i}` },
      locations: [{ physicalLocation: { artifactLocation: { index: artifacts > 0 ? i % artifacts : 0 }, region: { startLine: 1 + i } } }],
    }));
    bytes += writeSync(fd, ']}]}\n');
    return { bytes };
  } finally {
    closeSync(fd);
  }
}

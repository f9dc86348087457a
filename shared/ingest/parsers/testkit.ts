/**
 * Test helpers for the report parsers: run parseReport over bytes (in chunks of a chosen size,
 * to cross every token boundary) and collect the findings, the summary or the error.
 */
import { fixtureBytes } from '../../../test/fixtures';
import type { Finding } from '../../mappers/ocsf';
import { ReportError, type ParseOptions, type ReportFinding, type ReportSource, type ReportWarning } from '../types';
import { parseReport } from './index';

export const SOURCE: ReportSource = { bucket: 'reports', key: 'scan/report', version: 'v1', receivedAt: Date.UTC(2026, 0, 1) };

export async function* chunked(bytes: Uint8Array, size = 4096): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

export interface Parsed {
  findings: ReportFinding[];
  format?: string;
  count?: number;
  warnings?: ReportWarning[];
  error?: ReportError;
}

export async function parseBytes(bytes: Uint8Array | string, opts: ParseOptions & { chunk?: number; source?: Partial<ReportSource> } = {}): Promise<Parsed> {
  const body = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  const it = parseReport(chunked(body, opts.chunk), { ...SOURCE, ...opts.source }, opts);
  const findings: ReportFinding[] = [];
  try {
    for (;;) {
      const next = await it.next();
      if (next.done === true) return { findings, ...next.value };
      findings.push(next.value);
    }
  } catch (e) {
    if (e instanceof ReportError) return { findings, error: e };
    throw e;
  }
}

export const parseFixture = (rel: string, opts: Parameters<typeof parseBytes>[1] = {}): Promise<Parsed> =>
  parseBytes(fixtureBytes(`scanner/${rel}`), { ...opts, source: { key: rel, ...opts.source } });

export const dataOf = (f: ReportFinding): Finding => f.data as Finding;

/**
 * Test helpers for the HTTP binding. Reads the CloudEvents conformance kit (../shared/fixtures/cloudevents/conformance, from
 * cloudevents/conformance, Apache-2.0; see SOURCES.md) into HTTP requests for the binding tests:
 * the YAML events (yaml/v1.yaml, yaml/v1.0/*.yaml) and the HTTP binding feature's scenarios.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { fixturePath } from '../../test/fixtures';
import { AppError } from '../errors';
import { parseCloudEventsRequest, type CloudEventsRequest } from './http-binding';

const KIT = fixturePath('cloudevents/conformance');

export interface KitEvent {
  name: string;
  /** Mode the kit asks for; the v1.0 minimum events name none and are sent both ways. */
  modes: Array<'binary' | 'structured'>;
  /** Context attributes and extensions, as the canonical strings the kit gives. */
  attributes: Record<string, string>;
  transport: Record<string, string>;
  data?: string;
}

/** The kit's YAML events. `failsafe` keeps every scalar a string (`specversion: 1.0` is "1.0"). */
export function kitEvents(): KitEvent[] {
  const files = ['yaml/v1.yaml', ...readdirSync(join(KIT, 'yaml/v1.0')).map((f) => `yaml/v1.0/${f}`)];
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(join(KIT, file), 'utf8'), { schema: 'failsafe' }).map((doc, i) => {
      const raw = doc.toJS() as {
        Mode?: 'binary' | 'structured';
        ContextAttributes: Record<string, unknown> & { Extensions?: Record<string, string> };
        TransportExtensions?: Record<string, string>;
        Data?: string;
      };
      const { Extensions = {}, ...core } = raw.ContextAttributes;
      const name = `${file}#${i} ${String(core.id)} ${String(core.datacontenttype ?? '')}`.trim();
      return {
        name,
        modes: raw.Mode ? [raw.Mode] : ['binary', 'structured'],
        attributes: { ...(core as Record<string, string>), ...Extensions },
        transport: raw.TransportExtensions ?? {},
        data: raw.Data,
      };
    }),
  );
}

export interface FeatureCase {
  name: string;
  headers: Headers;
  body: Uint8Array;
  attributes: Record<string, string>;
  data: unknown;
}

/** The scenario outlines of features/http-protocol-binding.feature, one case per Examples row. */
export function featureCases(): FeatureCase[] {
  const text = readFileSync(join(KIT, 'features/http-protocol-binding.feature'), 'utf8');
  return text.split(/^\s*Scenario Outline:/m).slice(1).flatMap((scenario) => {
    const title = scenario.split('\n')[0]!.trim();
    const [request, expectedData] = docStrings(scenario);
    const attrRows = tableAfter(scenario, 'Then the attributes are:').slice(1);
    const examples = tableAfter(scenario, 'Examples:');
    const [header, ...rows] = examples;
    return rows.map((row) => {
      const sub = (s: string) => header!.reduce((acc, col, i) => acc.split(`<${col}>`).join(row[i]!), s);
      const { headers, body } = parseHttpRequest(sub(request!));
      return {
        name: sub(title),
        headers,
        body,
        attributes: Object.fromEntries(attrRows.map(([k, v]) => [k!, sub(v!)])),
        data: JSON.parse(expectedData!),
      };
    });
  });
}

/** Gherkin doc strings, with the indentation of their opening `"""` removed. */
function docStrings(block: string): string[] {
  const out: string[] = [];
  const re = /^([ \t]*)"""\n([\s\S]*?)\n[ \t]*"""/gm;
  for (const m of block.matchAll(re)) out.push(m[2]!.split('\n').map((l) => l.slice(m[1]!.length)).join('\n'));
  return out;
}

function tableAfter(block: string, marker: string): string[][] {
  const lines = block.slice(block.indexOf(marker) + marker.length).split('\n').map((l) => l.trim());
  const start = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const l of lines.slice(start)) {
    if (!l.startsWith('|')) break;
    rows.push(l.split('|').slice(1, -1).map((c) => c.trim()));
  }
  return rows;
}

function parseHttpRequest(raw: string): { headers: Headers; body: Uint8Array } {
  const [head, ...rest] = raw.split('\n\n');
  const headers = new Headers();
  for (const line of head!.split('\n').slice(1)) {
    const colon = line.indexOf(':');
    // Content-Length in the kit does not match its indented bodies; the body is what follows.
    const name = line.slice(0, colon).trim();
    if (name.toLowerCase() !== 'content-length') headers.append(name, line.slice(colon + 1).trim());
  }
  return { headers, body: new TextEncoder().encode(rest.join('\n\n')) };
}

/**
 * Binding section 3.1.3.2, encoding (the sender's side, to build binary-mode requests): UTF-8,
 * then `%XY` for space, `"`, `%` and everything outside U+0021-U+007E.
 */
export function encodeHeaderValue(value: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(value)) {
    const printable = byte >= 0x21 && byte <= 0x7e && byte !== 0x22 && byte !== 0x25;
    out += printable ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The AppError parseCloudEventsRequest throws for a request; fails the test if it does not throw. */
export function failure(r: CloudEventsRequest): AppError {
  try {
    parseCloudEventsRequest(r);
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

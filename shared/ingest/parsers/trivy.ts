/**
 * Trivy JSON reports (SchemaVersion 2), streamed: the report's artifact and time, each
 * Results[] entry's Target/Class/Type, and its Vulnerabilities, Misconfigurations, Secrets and
 * Licenses one item at a time. Trivy writes Target before the lists; items that come first anyway are
 * held until the entry's scalars are in (pending.ts). Schema checks: Results and the four
 * lists must be arrays (or null), entries and items objects (report_invalid with a pointer).
 */
import type { ParsedElementInfo } from '@streamparser/json';
import { obj, str, type Json } from '../../mappers/read';
import { ReportError, type ReportFinding } from '../types';
import type { ReportContext } from './finding';
import { valueCost } from './heap-cost';
import { pathOf, streamJson } from './json-stream';
import { Pending } from './pending';
import { isListOrNull, isObject, pointerOf } from './shape';
import { mapTrivyItem, type TrivyKind, type TrivyScope } from './trivy-map';

const KINDS: readonly TrivyKind[] = ['Vulnerabilities', 'Misconfigurations', 'Secrets', 'Licenses'];
const ROOT_FIELDS: Record<string, keyof TrivyScope> = { ArtifactName: 'artifactName', ArtifactType: 'artifactType', CreatedAt: 'createdAt' };
const RESULT_FIELDS: Record<string, keyof TrivyScope> = { Target: 'target', Class: 'resultClass', Type: 'resultType' };
const PATHS = [
  ...Object.keys(ROOT_FIELDS).map((k) => `$.${k}`),
  ...Object.keys(RESULT_FIELDS).map((k) => `$.Results.*.${k}`),
  ...KINDS.map((k) => `$.Results.*.${k}.*`),
];

const invalid = (pointer: string, message: string) => new ReportError('report_invalid', message, 'trivy', pointer);

export function parseTrivy(body: AsyncIterable<Uint8Array>, ctx: ReportContext): AsyncGenerator<ReportFinding> {
  const root: TrivyScope = {};
  let scope: TrivyScope = {};
  let pending = new Pending<[TrivyKind, Json, string]>('trivy', 'the Target', '/Results/0/Target');

  return streamJson<ReportFinding>(body, 'trivy', (out) => {
    const flush = () => {
      for (const [kind, item, pointer] of pending.drain()) out.push(mapTrivyItem(ctx, kind, item, scope, pointer));
    };
    const onItem = (info: ParsedElementInfo) => {
      const pointer = pointerOf(pathOf(info));
      const item = obj(info.value);
      if (item === undefined) throw invalid(pointer, 'A Trivy finding must be an object');
      const kind = info.stack[3]!.key as TrivyKind;
      if (scope.target !== undefined) out.push(mapTrivyItem(ctx, kind, item, scope, pointer));
      else pending.push([kind, item, pointer], valueCost(item), pointer);
    };
    return {
      paths: PATHS,
      onValue(info) {
        const depth = info.stack.length;
        if (depth === 4) return onItem(info);
        const field = depth === 1 ? ROOT_FIELDS[info.key as string] : RESULT_FIELDS[info.key as string];
        if (field === undefined) return;
        (depth === 1 ? root : scope)[field] = str(info.value);
        if (field === 'target') flush();
      },
      shape: {
        onStart(path, length, t) {
          if (path[0] !== 'Results' || length === 0) return;
          const pointer = pointerOf(path, length);
          if (length === 1 && !isListOrNull(t)) throw invalid(pointer, '`Results` must be an array');
          if (length === 2) {
            if (!isObject(t)) throw invalid(pointer, 'A Results entry must be an object');
            scope = { ...root };
            pending = new Pending('trivy', 'the Target', `${pointer}/Target`);
          }
          if (length === 3 && KINDS.includes(path[2] as TrivyKind) && !isListOrNull(t)) throw invalid(pointer, `\`${String(path[2])}\` must be an array`);
        },
        onEnd(path, length) {
          if (path[0] === 'Results' && length === 2) flush();
        },
      },
    };
  });
}

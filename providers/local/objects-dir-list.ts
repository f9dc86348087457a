import { compareKeys } from '../../shared/objects/keys';
import type { ObjectListOptions } from '../../shared/ports/objects';
import { walk } from './objects-dir-fs';

/**
 * One page of the keys in the bucket folder base that start with prefix, in key order, after
 * opts.after: at most opts.limit (1000 by default), and the cursor to resume from when more follow.
 */
export async function keyPage(base: string, prefix: string, opts: ObjectListOptions): Promise<{ keys: string[]; next?: string }> {
  const keys: string[] = [];
  await walk(base, '', prefix, keys);
  const after = opts.after;
  const sorted = keys.sort(compareKeys).filter((k) => after === undefined || compareKeys(k, after) > 0);
  const limit = opts.limit ?? 1000;
  const page = sorted.slice(0, limit);
  return sorted.length > limit ? { keys: page, next: sorted[limit - 1] } : { keys: page };
}

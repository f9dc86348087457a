import type { Config } from '../config/schema';
import { errors } from '../errors';
import { bufferEvent, bufferFull } from './archive/buffer';
import { flushArchive } from './archive/flush';
import { requireValidPrefix } from './archive/prefix';
import { type ArchiveConfig, requireObjects } from './archive/runtime';
import type { DestinationFactory } from './types';

export { flushArchive, type FlushReport } from './archive/flush';
export type { ArchiveConfig } from './archive/runtime';

/** How long an inline flush (inside the router's invocation) may keep writing batches. */
const INLINE_FLUSH_MS = 20_000;

/**
 * `archive` destination: events end up in object storage as gzip JSON Lines partitioned by hour
 * (`<prefix>year=YYYY/month=MM/day=DD/hour=HH/<batch>.jsonl.gz`). Delivering an event buffers it
 * in the state store, durable on return and never held in memory across invocations; the
 * archive-flush schedule writes the buffer out, and so does the delivery that finds maxEvents
 * buffered. An inline flush that fails is logged, not raised: the event itself is safe in the
 * buffer and the schedule flushes it later.
 */
export const archiveDestination: DestinationFactory<ArchiveConfig> = (name, config) => async (event, deps) => {
  requireObjects(name, deps);
  requireValidPrefix(name, config.prefix);
  const { key, fresh } = await bufferEvent(name, event, deps);
  if (!fresh || !(await bufferFull(name, key, config, deps))) return;
  try {
    const report = await flushArchive(name, config, deps, { deadline: deps.clock.now() + INLINE_FLUSH_MS });
    if (!report.busy) deps.logger.info('archive flushed inline', { destination: name, ...report });
  } catch (e) {
    deps.logger.warn('inline archive flush failed; the schedule will retry', { destination: name, error: e });
  }
};

/** The archive destinations a flush job covers: the one named, or all of them. */
export function archiveConfigs(config: Pick<Config, 'destinations'>, only?: string): [string, ArchiveConfig][] {
  const all = Object.entries(config.destinations).filter((e): e is [string, ArchiveConfig] => e[1].type === 'archive');
  if (only === undefined) return all;
  const one = all.filter(([name]) => name === only);
  if (one.length === 0) throw errors.config(`"${only}" is not an archive destination`, 'schedules');
  return one;
}

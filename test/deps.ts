import type { CloudEvent } from '../shared/events/cloudevent';
import { compileConfig } from '../shared/config/compile';
import { silentLogger } from '../shared/log/json-logger';
import { type Deps, type EventBus, fixedClock, mapSecrets, noMetrics, platformHttp, sequentialIds } from '../shared/ports';
import { memoryStore } from '../shared/store/memory';
import { memorySealer } from '../shared/ports/sealer';

/** An in-memory bus that records what was published; `failNext` makes the next publish fail. */
export function memoryBus(): EventBus & { events: CloudEvent[]; failNext: (n?: number) => void } {
  const events: CloudEvent[] = [];
  let failures = 0;
  return {
    events,
    failNext: (n = 1) => void (failures = n),
    async publish(event) {
      if (failures > 0) {
        failures -= 1;
        throw new Error('bus unavailable (test)');
      }
      events.push(structuredClone(event));
    },
    async check() {},
  };
}

/** Deps for tests: fixed clock, sequential ids, memory store and bus, the given raw config. */
export function testDeps(rawConfig: unknown = {}, env: Record<string, string> = {}, start = Date.parse('2026-01-01T00:00:00Z')) {
  const clock = fixedClock(start);
  const bus = memoryBus();
  const deps: Deps & { sealer: NonNullable<Deps['sealer']> } = {
    config: compileConfig(rawConfig, env),
    clock,
    ids: sequentialIds('evt'),
    http: platformHttp,
    store: memoryStore(clock),
    bus,
    secrets: mapSecrets({}),
    sealer: memorySealer(),
    logger: silentLogger,
    metrics: noMetrics,
  };
  return { deps, clock, bus };
}

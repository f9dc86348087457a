import type { CloudEvent } from '../../shared/events/cloudevent';
import { memoryObjects } from '../../shared/objects/memory';
import type { EventBus } from '../../shared/ports';
import { testDeps } from '../../test/deps';
import { fixtureBytes } from '../../test/fixtures';

/**
 * Findings parseReport yields for the real scanner reports of ../shared/fixtures/scanner,
 * computed once with the parser and written down, so a count that changes fails the tests.
 */
export const REPORT_FINDINGS = {
  'scanner/trivy-alpine-310.json': 4,
  'scanner/trivy-alpine-310.sarif.json': 4,
  'scanner/trivy-alpine-310.asff.json': 4,
  'scanner/trivy-fluentd-gems.json': 2,
  'scanner/trivy-secrets.json': 2,
  'scanner/trivy-dockerfile.json': 1,
  'scanner/codeql-action-valid-sarif.sarif': 3,
  'scanner/codeql-action-fingerprinting.input.sarif': 2,
} as const;

export const INVALID_SARIF = 'scanner/codeql-action-invalid-sarif.sarif';
export const EMPTY_SARIF = 'scanner/codeql-action-empty-sarif.sarif';

/**
 * A bus that records what it accepted; `failAt(n)` makes the n-th publish from now (1-based)
 * throw once, as a broker that drops out in the middle of a report would.
 */
export function captureBus(): EventBus & { events: CloudEvent[]; failAt(n: number): void; attempts: number } {
  let failOn: number | undefined;
  const bus = {
    events: [] as CloudEvent[],
    attempts: 0,
    failAt(n: number) {
      failOn = bus.attempts + n;
    },
    async publish(event: CloudEvent) {
      bus.attempts += 1;
      if (bus.attempts === failOn) throw new Error('bus unavailable (test)');
      bus.events.push(structuredClone(event));
    },
    async check() {},
  };
  return bus;
}

/** Deps with an in-memory object store and state store, and a capturing bus. */
export function ingestDeps(rawConfig: Record<string, unknown> = {}) {
  const t = testDeps(rawConfig);
  const objects = memoryObjects(t.clock);
  const bus = captureBus();
  const deps = { ...t.deps, objects, bus };
  const put = (bucket: string, key: string, fixture: string) => objects.put(bucket, key, fixtureBytes(fixture));
  const findings = () => bus.events.filter((e) => e.type.startsWith('secorch.finding.'));
  const system = (kind: 'failed' | 'completed') => bus.events.filter((e) => e.type === `secorch.system.ingest.${kind}`);
  return { ...t, deps, objects, bus, put, findings, system };
}

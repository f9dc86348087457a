import { testDeps } from '../../../test/deps';
import { type Harness, harness } from '../transport.testkit';
import type { SyncDeps } from './sync';
import type { UserObservation, UserSource } from './types';

/**
 * An in-process directory behind a full source (no vendor involved): users listed in id order,
 * `pageSize` per page, positions are offsets; a user removed from `users` is absent from the
 * listing and its lookup answers a removal. `hold(page)` makes the next listing that reaches that
 * page read it, then wait until released: a run held up by a slow vendor page.
 */
export function directory(ids: readonly string[], pageSize = 2) {
  const users = new Map<string, UserObservation['fields']>(ids.map((id) => [id, { status: 'ACTIVE', active: true }]));
  let held: { page: number; reached: () => void; wait: Promise<void> } | undefined;
  const source: UserSource = {
    provider: 'okta',
    mode: 'full',
    async *pages(resume) {
      const all = [...users.keys()].sort();
      for (let at = Number(resume ?? 0); at < all.length; at += pageSize) {
        const page = all.slice(at, at + pageSize).map((id) => ({ id, fields: { ...users.get(id) } }));
        const h = held;
        if (h?.page === at / pageSize) {
          held = undefined;
          h.reached();
          await h.wait;
        }
        yield { users: page, next: at + pageSize < all.length ? String(at + pageSize) : undefined };
      }
    },
    async lookup(id) {
      const fields = users.get(id);
      return fields ? { id, fields: { ...fields } } : { id, fields: {}, removed: true };
    },
  };
  const hold = (page: number) => {
    let reached!: () => void;
    let release!: () => void;
    const atPage = new Promise<void>((r) => (reached = r));
    held = { page, reached, wait: new Promise<void>((r) => (release = r)) };
    return { reached: atPage, release };
  };
  return {
    users,
    source,
    hold,
    suspend: (id: string) => users.set(id, { status: 'SUSPENDED', active: false }),
    activate: (id: string) => users.set(id, { status: 'ACTIVE', active: true }),
  };
}

/** Deps over the memory store (the reference implementation of the port) with recorded logs. */
export function syncDeps(): { h: Harness; deps: SyncDeps & ReturnType<typeof testDeps>['deps']; bus: ReturnType<typeof testDeps>['bus'] } {
  const h = harness();
  const { deps, bus } = testDeps();
  return { h, deps: { ...deps, logger: h.logger }, bus };
}

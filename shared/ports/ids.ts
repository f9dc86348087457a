import { randomUUID } from 'node:crypto';

/** Identifier source, injected so tests can predict ids. */
export interface Ids {
  uuid(): string;
}

export const randomIds: Ids = { uuid: () => randomUUID() };

export function sequentialIds(prefix = 'id'): Ids {
  let n = 0;
  return { uuid: () => `${prefix}-${++n}` };
}

import type { ObjectInfo, ObjectMoveOptions } from '../ports/objects';

/** Conditions of a move, shared by every ObjectStorage implementation (see ObjectMoveOptions). */

/** The conditions that name the object `info` describes: its etag and, where the store keeps one, its version. */
export const conditionsOf = (info: Pick<ObjectInfo, 'etag' | 'version'>): ObjectMoveOptions => ({
  ...(info.etag !== undefined ? { ifMatch: info.etag } : {}),
  ...(info.version !== undefined ? { ifVersion: info.version } : {}),
});

export const hasConditions = (c: ObjectMoveOptions | undefined): c is ObjectMoveOptions =>
  c?.ifMatch !== undefined || c?.ifVersion !== undefined;

/** Whether the object `info` describes meets every condition given (none given: it does). */
export const meets = (info: Pick<ObjectInfo, 'etag' | 'version'>, c: ObjectMoveOptions = {}): boolean =>
  (c.ifMatch === undefined || info.etag === c.ifMatch) && (c.ifVersion === undefined || info.version === c.ifVersion);

/** An entity tag as HTTP preconditions carry it (RFC 9110 section 8.8.3): quoted. */
export const quoteEtag = (etag: string): string => (/^(W\/)?".*"$/.test(etag) ? etag : `"${etag}"`);

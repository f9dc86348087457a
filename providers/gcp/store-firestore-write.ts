import type { CollectionReference, DocumentData, Transaction } from '@google-cloud/firestore';
import { isDelete, type PutOptions, type Write } from '../../shared/ports/store';
import { checkCommit, documents, encodeKey, HEAD_MASK, type Layout, layOut, MAX_PARTS, partId, type PartsRef, splitOf } from './store-firestore-layout';
import type { ReadIo } from './store-firestore-read';
import { type bounded, FirestoreOutcomeUnknown, outcomeUnknown } from './store-firestore-bounds';

/**
 * Writes of the Firestore store (design: store-firestore.ts): every put, putAll and delete is one
 * transaction that reads the heads it writes, decides the conditions on them and writes heads,
 * new parts and the replaced parts' deletes all or none. It runs again under the operation's
 * deadline (store-firestore-bounds.ts), and a run after a commit whose answer was lost never
 * writes twice nor answers what it cannot know (undecided).
 */

/** What the writes need of the store: its collection, its client on first use, its deadline and the injected clock. */
export interface WriteEnv {
  collection: string;
  load: () => Promise<ReadIo>;
  within: ReturnType<typeof bounded>;
  now: () => number;
}

/**
 * The library runs each transaction once; bounded() runs it again until the deadline, so that
 * its own backoff (1 s growing x1.5, 60 s after throttling) cannot outlast the function.
 */
const ONE_ATTEMPT = { maxAttempts: 1 };

function holds(current: DocumentData | undefined, opts: PutOptions = {}, now: number): boolean {
  const live = current !== undefined && (typeof current.expiresAt !== 'number' || current.expiresAt > now);
  if (opts.ifAbsent) return opts.ifVersion === undefined && !live;
  return opts.ifVersion === undefined || (live && current.version === opts.ifVersion);
}

/** Deletes, in the transaction, the parts a replaced head pointed at. */
function dropParts(tx: Transaction, parts: CollectionReference, split: PartsRef | undefined): void {
  for (let i = 0; i < (split?.parts ?? 0); i++) tx.delete(parts.doc(partId(split!.partsId, i)));
}

/** Puts and deletes as one transaction: sizes checked first, then the heads put are read, then all or nothing written. */
export async function transact(env: WriteEnv, writes: readonly Write[]): Promise<boolean> {
  const { collection, load, within, now } = env;
  const layouts = writes.map((w): Layout | undefined => (isDelete(w) ? undefined : layOut(collection, w)));
  const ids = writes.map((w) => encodeKey(w.key));
  const puts = layouts.filter((l): l is Layout => l !== undefined);
  // Each write: its head and, at worst, the replaced or deleted value's parts; each put its parts.
  checkCommit(puts, writes.length * (1 + MAX_PARTS) + puts.reduce((n, l) => n + (l.slices?.length ?? 0), 0));
  const io = await load();
  const refs = ids.map((id) => io.heads.doc(id));
  // The versions each run of the function wrote. It runs again (bounded() here, or the
  // library's own retries of a commit) when a commit failed, and also when the commit's answer
  // was lost after Firestore applied it (DEADLINE_EXCEEDED, UNAVAILABLE): that run
  // then finds a version of its own (every write has a new one) and must answer true, not fail
  // the condition on its own write. A commit is all or nothing, so one head of ours is enough.
  const tried = writes.map(() => new Set<string>());
  // The head versions read by the first attempt whose commit may have been applied (its answer
  // lost). A later run that finds them changed, by another writer, cannot tell whether that
  // commit was applied and then overwritten: it neither writes again (over a newer write, or a
  // claim taken after our delete) nor answers false for a write that may be in place.
  let unsure: unknown[] | undefined;
  return within(async () => {
    let staged: unknown[] | undefined;
    try {
      return await io.db.runTransaction(async (tx) => {
        staged = undefined;
        // Deletes too: their versions are what tells, after a lost answer, whether to delete again.
        const current = (await tx.getAll(...refs, { fieldMask: HEAD_MASK })).map((snap) => snap.data());
        const at = now();
        if (current.some((doc, i) => typeof doc?.version === 'string' && tried[i]!.has(doc.version))) return true;
        const versions = current.map((doc) => doc?.version as unknown);
        if (unsure !== undefined && undecided(versions, unsure)) return true;
        if (!writes.every((w, i) => isDelete(w) || holds(current[i], w.opts, at))) return false;
        staged = versions;
        stage(tx, current, at);
        return true;
      }, ONE_ATTEMPT);
    } catch (e) {
      if (staged !== undefined && outcomeUnknown(e)) unsure ??= staged;
      throw e;
    }
  }, true);

  /**
   * After an attempt that may have been applied: true (done, write nothing) or a throw when
   * that cannot be told, else undefined (it was not applied: run as usual). A head still at
   * the version that attempt read proves it was not (a commit is all or nothing, a version is
   * never reused, and a delete applied leaves no head); with none, a head changed since was
   * written by someone after it or after ours. Then every delete is done either way: its key is
   * absent, or holds a write made after the delete or (not applied) ordered after it; so is an
   * unconditional put whose head another writer has written since (ordered before that write).
   * A conditional put, or a put whose head is absent now, leaves it unknown: absent then and
   * now, or gone since, it may be ours deleted by someone, or an old head the TTL policy
   * collected while ours was never applied (a write that is no change to order ours before).
   */
  function undecided(versions: unknown[], before: unknown[]): true | undefined {
    const same = versions.map((v, i) => v === before[i]);
    if (versions.some((v, i) => typeof v === 'string' && same[i])) return undefined;
    if (same.every(Boolean)) return undefined;
    const overwritten = (i: number) => !same[i] && typeof versions[i] === 'string';
    if (writes.every((w, i) => isDelete(w) || (overwritten(i) && w.opts?.ifAbsent !== true && w.opts?.ifVersion === undefined))) return true;
    throw new FirestoreOutcomeUnknown();
  }

  function stage(tx: Transaction, current: (DocumentData | undefined)[], at: number): void {
    layouts.forEach((layout, i) => {
      if (!layout) {
        tx.delete(refs[i]!);
      } else {
        const docs = documents(layout, at);
        tried[i]!.add(docs.head.version as string);
        tx.set(refs[i]!, docs.head);
        for (const part of docs.parts) tx.set(io.parts.doc(part.id), part.data);
      }
      dropParts(tx, io.parts, splitOf(current[i]));
    });
  }
}

/** Deletes a key and its value's parts in one transaction (its argument already checked). */
export async function deleteKey(env: WriteEnv, key: string): Promise<void> {
  const { load, within } = env;
  const id = encodeKey(key);
  const io = await load();
  const ref = io.heads.doc(id);
  // As in transact: after an attempt that may have deleted (its answer lost), a head that has
  // changed since (absent, or another writer's) means the delete is done, ordered before that
  // change; deleting again would remove what was written after it (a claim someone holds).
  let unsure: { version: unknown } | undefined;
  await within(async () => {
    let staged: { version: unknown } | undefined;
    try {
      await io.db.runTransaction(async (tx) => {
        staged = undefined;
        const [snap] = await tx.getAll(ref, { fieldMask: HEAD_MASK });
        const head = snap?.data();
        if (unsure !== undefined && head?.version !== unsure.version) return;
        staged = { version: head?.version };
        tx.delete(ref);
        dropParts(tx, io.parts, splitOf(head));
      }, ONE_ATTEMPT);
    } catch (e) {
      if (staged !== undefined && outcomeUnknown(e)) unsure ??= staged;
      throw e;
    }
  }, true);
}

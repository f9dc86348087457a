import type { Firestore } from '@google-cloud/firestore';
import { Db, type DocRef, readArgs, type ReadOptions, type Snapshot, turn } from './firestore-fake-documents.testkit';
import { checkCommit, type Data, grpcError, toWrite } from './firestore-fake-limits.testkit';
import { Collection } from './firestore-fake-query.testkit';
import { retryableInTransaction, sdkBackoff, timerSleep } from './firestore-fake-retry.testkit';

/**
 * An in-memory stand-in for the part of the Firestore server SDK that store-firestore.ts uses,
 * because no Firestore emulator can run here (it is a Java binary from the gcloud SDK). Faithful
 * where the store depends on it:
 *  - document ids are validated as Firestore does (no `/`, not `.`/`..`, not `__.*__`, 1..1500
 *    bytes) and data must be strings, numbers, booleans, null, Dates or Bytes (a Buffer or
 *    Uint8Array, read back as a Buffer, as the SDK returns a bytesValue); undefined is refused;
 *  - a document is at most 1 MiB counted as https://firebase.google.com/docs/firestore/storage-size
 *    describes (name, field names and values, 32 bytes), a field value at most 1 MiB - 89 bytes,
 *    and a commit at most 500 writes whose documents total at most 10 MiB
 *    (https://cloud.google.com/firestore/quotas: the API request limit, approximated by the
 *    documents' sizes, which leave out the request's framing);
 *  - every call is asynchronous (resolves on a later turn), so concurrent callers interleave;
 *  - getAll (on the client and in a transaction) answers in the order asked, missing documents
 *    included, and a `fieldMask` read option keeps only those fields;
 *  - transactions must read before they write, commit atomically, and are serialisable: a commit
 *    whose read documents changed since they were read aborts (ABORTED) and, as the SDK 8.7 does
 *    (build/src/transaction.js, backoff.js), the function is run again on a retryable code, up to
 *    `maxAttempts` (default 5), after a backoff of 1 s growing x1.5 to 60 s, each wait +-50%
 *    jitter, and straight to 60 s after RESOURCE_EXHAUSTED; the last error is what it rejects
 *    with. The waits go through `sleep` (setTimeout unless given, so jest's fake timers drive
 *    them); the SDK's zero wait before the first attempt is left out;
 *  - `commitFault` makes commits fail as a contended, throttled or unreachable Firestore would,
 *    and `answerLost` makes an applied commit fail as one whose answer never arrived;
 *  - queries order by document id (UTF-8 byte order) only, with range filters, startAfter and
 *    limit on it; anything else throws rather than answering wrongly.
 *
 * Documents and references are in firestore-fake-documents.testkit.ts, queries in
 * firestore-fake-query.testkit.ts, the data rules and size limits in firestore-fake-limits.testkit.ts
 * and the SDK's retry waits in firestore-fake-retry.testkit.ts; the client and its transactions
 * are here.
 */

/** A read-write transaction: all reads before any write, the writes committed together by runTransaction. */
class Tx {
  readonly reads = new Map<string, number>();
  readonly writes = new Map<string, Data | undefined>();
  constructor(private readonly db: Db) {}
  async get(ref: DocRef): Promise<Snapshot> {
    if (this.writes.size > 0) throw new Error('Firestore transactions require all reads to be executed before all writes.');
    await turn();
    this.reads.set(ref.path, this.db.seqOf(ref.path));
    return this.db.read(ref.path);
  }
  /** Reads several documents at once, in the order asked, optionally only some fields. */
  async getAll(...args: (DocRef | ReadOptions)[]): Promise<Snapshot[]> {
    const { refs, mask } = readArgs(args);
    if (this.writes.size > 0) throw new Error('Firestore transactions require all reads to be executed before all writes.');
    await turn();
    for (const ref of refs) this.reads.set(ref.path, this.db.seqOf(ref.path));
    return refs.map((ref) => this.db.read(ref.path, mask));
  }
  set(ref: DocRef, data: Data): this {
    this.writes.set(ref.path, toWrite(ref.path, data));
    return this;
  }
  /** A write of "no document", committed with the sets; a missing document is no error. */
  delete(ref: DocRef): this {
    this.writes.set(ref.path, undefined);
    return this;
  }
}

export interface FakeFirestoreOptions {
  /** The waits between transaction attempts; default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** The jitter's source; default Math.random. */
  random?: () => number;
}

export class FakeFirestore {
  private readonly db = new Db();
  /** Commits that aborted because another writer got there first (for tests of contention). */
  aborted = 0;
  /** The last transaction attempt, to see what it read. */
  lastTx?: Tx;
  /** While set, every commit fails with the error it returns, if any (tests of contention, throttling, outages). */
  commitFault?: () => Error | undefined;
  /**
   * While set, a commit that was applied may still fail with the error this returns: its answer
   * was lost (a reset connection, a deadline reached after Firestore wrote), which the caller
   * cannot tell from a commit that failed.
   */
  answerLost?: () => Error | undefined;
  /** Transaction attempts begun, and the SDK-style backoff waits taken between them. */
  attempts = 0;
  readonly backoffs: number[] = [];
  constructor(private readonly options: FakeFirestoreOptions = {}) {}
  collection(name: string): Collection {
    return new Collection(this.db, name);
  }
  /** Reads several documents at one instant, in the order asked, missing ones included. */
  async getAll(...args: (DocRef | ReadOptions)[]): Promise<Snapshot[]> {
    const { refs, mask } = readArgs(args);
    await turn();
    return refs.map((ref) => this.db.read(ref.path, mask));
  }
  async runTransaction<T>(fn: (tx: Tx) => Promise<T>, options: { maxAttempts?: number } = {}): Promise<T> {
    const attempts = options.maxAttempts || 5;
    const backoff = sdkBackoff(this.options.random ?? Math.random);
    let last: unknown;
    for (let n = 1; n <= attempts; n++) {
      if (n > 1) {
        const ms = backoff(last);
        this.backoffs.push(ms);
        await (this.options.sleep ?? timerSleep)(ms);
      }
      try {
        return await this.attempt(fn);
      } catch (e) {
        last = e;
        if (!retryableInTransaction(e)) break;
      }
    }
    throw last;
  }
  private async attempt<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    this.attempts++;
    const tx = new Tx(this.db);
    this.lastTx = tx;
    const result = await fn(tx);
    checkCommit(tx.writes);
    await turn();
    const fault = this.commitFault?.();
    if (fault) throw fault;
    // The commit: one synchronous step, so no other writer interleaves.
    if (![...tx.reads].every(([path, seq]) => this.db.seqOf(path) === seq)) {
      this.aborted++;
      throw grpcError(10, 'Aborted due to cross-transaction contention. This occurs when multiple transactions attempt to access the same data.');
    }
    for (const [path, data] of tx.writes) this.db.write(path, data);
    const lost = tx.writes.size > 0 ? this.answerLost?.() : undefined;
    if (lost) throw lost;
    return result;
  }
  /** Typed as the SDK client, for the store under test. */
  asFirestore(): Firestore {
    return this as unknown as Firestore;
  }
}

import { copy, type Data, toWrite } from './firestore-fake-limits.testkit';

/**
 * FakeFirestore's documents (firestore-fake.testkit.ts): the in-memory database, document ids
 * validated as Firestore does, references that read and write on a later turn, snapshots that
 * return copies, and getAll's arguments with the `fieldMask` read option.
 */
export type ReadOptions = { fieldMask?: string[] };

/** Resolves on a later turn, so that concurrent callers interleave. */
export const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function checkId(id: string): void {
  const bytes = Buffer.byteLength(id, 'utf8');
  if (bytes === 0 || bytes > 1500 || id.includes('/') || id === '.' || id === '..' || /^__.*__$/.test(id)) {
    throw new Error(`Value for argument "documentPath" is not a valid resource path: ${JSON.stringify(id)}`);
  }
}

/** getAll's arguments: references, then optional read options. */
export function readArgs(args: readonly (DocRef | ReadOptions)[]): { refs: DocRef[]; mask?: string[] } {
  const last = args[args.length - 1];
  const options = last !== undefined && !(last instanceof DocRef) ? last : undefined;
  const refs = (options ? args.slice(0, -1) : args) as DocRef[];
  if (refs.length === 0 || !refs.every((r) => r instanceof DocRef)) throw new Error('getAll() needs at least one DocumentReference, then optional ReadOptions');
  return { refs, mask: options?.fieldMask };
}

export class Snapshot {
  constructor(readonly id: string, private readonly stored: Data | undefined, private readonly mask?: string[]) {}
  get exists(): boolean {
    return this.stored !== undefined;
  }
  data(): Data | undefined {
    if (!this.stored) return undefined;
    const data = copy(this.stored);
    return this.mask ? Object.fromEntries(Object.entries(data).filter(([field]) => this.mask!.includes(field))) : data;
  }
}

export class Db {
  readonly docs = new Map<string, Data>();
  /** Last write (set or delete) per path, kept after a delete so that it still conflicts. */
  private readonly seqs = new Map<string, number>();
  private seq = 0;
  read(path: string, mask?: string[]): Snapshot {
    return new Snapshot(path.slice(path.lastIndexOf('/') + 1), this.docs.get(path), mask);
  }
  write(path: string, data: Data | undefined): void {
    if (data === undefined) this.docs.delete(path);
    else this.docs.set(path, data);
    this.seqs.set(path, ++this.seq);
  }
  seqOf(path: string): number {
    return this.seqs.get(path) ?? 0;
  }
}

export class DocRef {
  readonly path: string;
  constructor(private readonly db: Db, collection: string, readonly id: string) {
    checkId(id);
    this.path = `${collection}/${id}`;
  }
  async get(): Promise<Snapshot> {
    await turn();
    return this.db.read(this.path);
  }
  async set(data: Data): Promise<void> {
    const value = toWrite(this.path, data);
    await turn();
    this.db.write(this.path, value);
  }
  async delete(): Promise<void> {
    await turn();
    this.db.write(this.path, undefined);
  }
}

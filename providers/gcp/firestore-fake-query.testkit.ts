import { checkId, type Db, DocRef, type Snapshot, turn } from './firestore-fake-documents.testkit';

/**
 * FakeFirestore's queries (firestore-fake.testkit.ts): a collection ordered by document id
 * (UTF-8 byte order) only, with range filters, startAfter and limit on it; anything else throws
 * rather than answering wrongly.
 */
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

const isDocumentId = (field: unknown) => String(field) === '__name__';

type Filter = { op: '<' | '<=' | '>' | '>='; value: string };

export class Query {
  constructor(
    protected readonly db: Db,
    protected readonly name: string,
    private readonly spec: { ordered: boolean; filters: Filter[]; after?: string; limit?: number } = { ordered: false, filters: [] },
  ) {}
  private with(change: Partial<Query['spec']>): Query {
    return new Query(this.db, this.name, { ...this.spec, ...change });
  }
  orderBy(field: unknown): Query {
    if (!isDocumentId(field)) throw new Error('The fake Firestore orders by document id only');
    return this.with({ ordered: true });
  }
  where(field: unknown, op: Filter['op'], value: string): Query {
    if (!isDocumentId(field) || !['<', '<=', '>', '>='].includes(op)) throw new Error('The fake Firestore filters on document id ranges only');
    checkId(value);
    return this.with({ filters: [...this.spec.filters, { op, value }] });
  }
  startAfter(value: string): Query {
    if (!this.spec.ordered) throw new Error('Too many cursor values specified: startAfter needs orderBy');
    checkId(value);
    return this.with({ after: value });
  }
  limit(n: number): Query {
    return this.with({ limit: n });
  }
  async get(): Promise<{ docs: Snapshot[]; size: number; empty: boolean }> {
    await turn();
    const holds = (id: string, { op, value }: Filter) => {
      const c = byteOrder(id, value);
      return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
    };
    const prefix = `${this.name}/`;
    const ids = [...this.db.docs.keys()]
      .filter((path) => path.startsWith(prefix))
      .map((path) => path.slice(prefix.length))
      .filter((id) => this.spec.filters.every((f) => holds(id, f)) && (this.spec.after === undefined || byteOrder(id, this.spec.after) > 0))
      .sort(byteOrder)
      .slice(0, this.spec.limit);
    const docs = ids.map((id) => this.db.read(`${prefix}${id}`));
    return { docs, size: docs.length, empty: docs.length === 0 };
  }
}

export class Collection extends Query {
  doc(id: string): DocRef {
    return new DocRef(this.db, this.name, id);
  }
}

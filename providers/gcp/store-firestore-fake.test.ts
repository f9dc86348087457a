import { FakeFirestore } from './firestore-fake.testkit';

/**
 * The rules FakeFirestore keeps for large values, so the store's tests on it mean something:
 * Bytes as the SDK returns them, the 1 MiB document and 10 MiB commit limits, and batched reads.
 * (No Firestore emulator can run here: it ships as a Java binary with the gcloud SDK.)
 */
const MiB = 1024 * 1024;

describe('FakeFirestore models what the SDK does with large values (Firestore mocked at the SDK)', () => {
  it('takes Bytes as a Buffer or Uint8Array and reads them back as a Buffer copy', async () => {
    const fake = new FakeFirestore();
    const doc = fake.collection('c').doc('d');
    const bytes = new Uint8Array([0, 1, 2, 255]);
    await doc.set({ chunk: bytes, text: 'é' });
    bytes[0] = 9;
    const data = (await doc.get()).data()!;
    expect(Buffer.isBuffer(data.chunk)).toBe(true);
    expect([...(data.chunk as Buffer)]).toEqual([0, 1, 2, 255]);
    (data.chunk as Buffer)[1] = 9;
    expect([...((await doc.get()).data()!.chunk as Buffer)]).toEqual([0, 1, 2, 255]);
  });

  it('refuses a document over 1 MiB counted as Firestore counts it, and a field value over 1 MiB - 89 bytes, writing nothing', async () => {
    const fake = new FakeFirestore();
    const doc = fake.collection('c').doc('d');
    // Name: "c" and "d" (2 bytes each) + 16; fields "a" and "b" (2 bytes each); 32 more.
    const exact = { a: Buffer.alloc(600_000), b: 'x'.repeat(MiB - 52 - 2 - 600_000 - 2 - 1) };
    await expect(doc.set(exact)).resolves.toBeUndefined();
    await expect(doc.set({ ...exact, b: `${exact.b}x` })).rejects.toMatchObject({ code: 3, message: expect.stringMatching(/exceeds the maximum allowed size of 1048576/) });
    await expect(fake.collection('c').doc('e').set({ a: Buffer.alloc(1_048_488) })).rejects.toMatchObject({ code: 3 });
    await expect(fake.runTransaction(async (tx) => {
      tx.set(fake.collection('c').doc('f'), { a: Buffer.alloc(MiB) });
    })).rejects.toMatchObject({ code: 3 });
    expect((await fake.collection('c').get()).docs.map((s) => s.id)).toEqual(['d']);
  });

  it('refuses a commit over 10 MiB or 500 writes, writing none of it', async () => {
    const fake = new FakeFirestore();
    const col = fake.collection('c');
    await expect(fake.runTransaction(async (tx) => {
      for (let i = 0; i < 11; i++) tx.set(col.doc(`d${i}`), { chunk: Buffer.alloc(MiB - 100) });
    })).rejects.toMatchObject({ code: 3, message: expect.stringMatching(/Request payload size exceeds the limit/) });
    await expect(fake.runTransaction(async (tx) => {
      for (let i = 0; i < 501; i++) tx.delete(col.doc(`d${i}`));
    })).rejects.toMatchObject({ code: 3, message: expect.stringMatching(/500 writes/) });
    expect((await col.get()).size).toBe(0);
    await fake.runTransaction(async (tx) => {
      for (let i = 0; i < 9; i++) tx.set(col.doc(`d${i}`), { chunk: Buffer.alloc(MiB - 100) });
    });
    expect((await col.get()).size).toBe(9);
  });

  it('answers getAll in the order asked with missing documents, keeps only a field mask, and counts a transaction\'s getAll as its reads', async () => {
    const fake = new FakeFirestore();
    const col = fake.collection('c');
    await col.doc('a').set({ v: 1, big: 'x'.repeat(1000) });
    await col.doc('b').set({ v: 2 });
    const snaps = await fake.getAll(col.doc('b'), col.doc('missing'), col.doc('a'));
    expect(snaps.map((s) => [s.id, s.exists, s.data()?.v])).toEqual([['b', true, 2], ['missing', false, undefined], ['a', true, 1]]);
    expect((await fake.getAll(col.doc('a'), { fieldMask: ['v', 'absent'] }))[0]!.data()).toEqual({ v: 1 });
    // A transaction that read a document another writer changed before its commit runs again.
    let runs = 0;
    await fake.runTransaction(async (tx) => {
      runs++;
      const [a] = await tx.getAll(col.doc('a'), col.doc('missing'), { fieldMask: ['v'] });
      if (runs === 1) await col.doc('missing').set({ v: 3 });
      tx.set(col.doc('b'), { v: (a!.data()!.v as number) + 10 });
    });
    expect(runs).toBe(2);
    expect([...fake.lastTx!.reads.keys()]).toEqual(['c/a', 'c/missing']);
    await expect(fake.runTransaction(async (tx) => {
      tx.delete(col.doc('b'));
      await tx.getAll(col.doc('a'));
    })).rejects.toThrow(/reads to be executed before all writes/);
  });
});

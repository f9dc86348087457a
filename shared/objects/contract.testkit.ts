import type { ObjectStorage } from '../ports/objects';
import { describeContentCases } from './contract-content.testkit';
import { describeListingCases } from './contract-listing.testkit';
import { describeMoveCases } from './contract-moves.testkit';

/**
 * The contract every ObjectStorage implementation passes: memory, the local directory, S3, Azure
 * Blob and GCS run these same cases. `make` returns a store and an existing, empty bucket per test.
 * A case an emulator or mock cannot express is skipped only by naming it in `skip` with the reason,
 * which then shows in the test name; the implementation's own test covers that behaviour at the
 * SDK level instead.
 */
export interface ObjectsUnderTest {
  objects: ObjectStorage;
  bucket: string;
  cleanup?: () => Promise<void>;
  /**
   * Runs `between` once, after the copy of the next move and before its delete (the harness wraps
   * the store's client), so 'move-replaced' can replace the source in that window. A store whose
   * move has no such window, or whose harness cannot reach into it, skips that case with the reason.
   */
  betweenCopyAndDelete?: (between: () => Promise<void>) => void;
}

export type ObjectContractCase =
  | 'round-trip' | 'info' | 'content-type' | 'content-encoding' | 'missing' | 'stream-large' | 'if-absent'
  | 'overwrite' | 'list-pages' | 'list-none' | 'list-order' | 'list-order-astral' | 'odd-keys' | 'move' | 'move-if-match' | 'move-stale' | 'move-replaced' | 'delete' | 'check';

export interface ObjectContractOptions {
  /** Cases to skip, each with the reason (shown in the test name). */
  skip?: Partial<Record<ObjectContractCase, string>>;
}

/** Registers one case, or skips it when `skip` names it (see ObjectContractOptions). */
export type ObjectCaseTest = (id: ObjectContractCase, title: string, fn: () => Promise<void>) => void;

/**
 * Delete and check are here; the cases on reads and writes, listing and keys, and moves are in
 * the contract-<part>.testkit.ts files beside this one, registered below.
 */
export function describeObjectStorageContract(
  name: string,
  make: () => Promise<ObjectsUnderTest>,
  options: ObjectContractOptions = {},
): void {
  describe(`ObjectStorage contract: ${name}`, () => {
    let sut: ObjectsUnderTest;
    let objects: ObjectStorage;
    let bucket: string;
    beforeEach(async () => {
      sut = await make();
      ({ objects, bucket } = sut);
    });
    afterEach(async () => {
      await sut?.cleanup?.();
    });
    const test: ObjectCaseTest = (id, title, fn) => {
      const reason = options.skip?.[id];
      if (reason) it.skip(`${title} [skipped: ${reason}]`, fn);
      else it(title, fn);
    };

    describeContentCases(test, () => sut);
    describeListingCases(test, () => sut);
    describeMoveCases(test, () => sut);

    test('delete', 'delete removes the object and is idempotent', async () => {
      await objects.put(bucket, 'del/k', 'x');
      await objects.put(bucket, 'del/keep', 'y');
      await objects.delete(bucket, 'del/k');
      expect(await objects.head(bucket, 'del/k')).toBeUndefined();
      await expect(objects.delete(bucket, 'del/k')).resolves.toBeUndefined();
      await expect(objects.delete(bucket, 'never/was')).resolves.toBeUndefined();
      expect((await objects.list(bucket, 'del/')).items.map((i) => i.key)).toEqual(['del/keep']);
    });

    test('check', 'check resolves for the store and for the bucket', async () => {
      await expect(objects.check()).resolves.toBeUndefined();
      await expect(objects.check(bucket)).resolves.toBeUndefined();
    });
  });
}
